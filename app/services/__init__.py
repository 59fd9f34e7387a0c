"""Workflows: plain Python over a session. No Flask here."""
