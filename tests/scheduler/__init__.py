"""Tests for scheduler/: pure planning, local time, quiet hours and user input parsing."""
