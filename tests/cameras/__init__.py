"""Tests of the cameras domain."""
