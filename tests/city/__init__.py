"""Tests of the city domain: its frame and its working calendar."""
