"""Tests of the loading domain."""
