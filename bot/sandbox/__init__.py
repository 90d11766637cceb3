"""A local stand-in for the Telegram Bot API, and a client for simulated users."""
