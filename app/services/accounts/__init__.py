"""Accounts and access: who is acting and what part of the city they answer for.

Users with a role, their passwords, login sessions and API tokens (`accounts`); a user's scope
as SQL that PostGIS applies to every row (`scope`); the audit log of every write, written by
database triggers from the actor bound here (`audit`); retried requests answered once
(`idempotency`); and the demo accounts, one per role (`demo`). Every other domain stands on this one.
"""
