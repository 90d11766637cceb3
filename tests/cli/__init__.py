"""Tests of the n1 command line."""
