"""Tests of how N1 is put together."""
