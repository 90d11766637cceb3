"""Tests of the message library: content, checks, overrides, tone, selection, rendering."""
