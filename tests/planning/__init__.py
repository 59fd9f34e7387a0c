"""Tests of the planning domain."""
