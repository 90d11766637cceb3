"""The design most Telegram bots use, written idiomatically, to compare N1 against.

This package is the one place outside `bot/` allowed to import `telegram`: the baseline is
a plain python-telegram-bot bot on purpose.
"""
