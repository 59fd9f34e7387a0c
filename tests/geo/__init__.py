"""Tests of the pure geometry in app/geo."""
