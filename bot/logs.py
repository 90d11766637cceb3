"""Logging set-up for the `n1` command."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """Plain log lines on stderr; chatty libraries kept quiet."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite logs each statement with its parameters at DEBUG: those may be answers.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    # PTB logs whole updates (what people wrote) at DEBUG: never let that through.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))
