"""PTB handlers: thin functions that parse an update, call a use-case and reply."""
