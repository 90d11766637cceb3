"""Use-cases: each one owns its transaction and calls repositories."""
