"""Tests for the local Bot API sandbox and its simulated-user client."""
