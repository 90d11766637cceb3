"""N1 tests."""
