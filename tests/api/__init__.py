"""Tests of the HTTP surfaces other systems read: OGC API, tiles, Open311."""
