"""Tests of core pieces."""
