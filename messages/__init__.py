"""The message library: every word N1 says to a person, and how it is chosen."""
