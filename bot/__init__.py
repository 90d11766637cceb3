"""The Telegram face of N1: the PTB application, the Bot API sandbox and the `n1` command."""
