"""End-to-end tests of the N1 bot through the sandbox."""
