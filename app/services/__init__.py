"""Workflows, one package per domain: plain Python over a session, no Flask.

Domains import only those below them, in this order from the ground up (tests/test_layout.py
holds the code to it): accounts, city, layers, cameras, field, notify, incidents, planning,
loading, live, health.
"""
