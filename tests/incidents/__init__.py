"""Tests of the incidents domain."""
