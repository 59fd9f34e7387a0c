"""Tests of the field domain."""
