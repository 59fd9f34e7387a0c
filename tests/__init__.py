"""Tests that read like the specification, against a real PostGIS and a real browser."""
