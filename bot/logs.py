"""Logging set-up for the `n1` command: plain lines on stderr that never carry a secret or
what a person wrote, whatever level any logger is set to.

Levels alone cannot promise that (an operator, a library or a test may turn any logger up to
DEBUG), so every handler N1 installs carries `PrivacyFilter`, which holds two rules:

1. A record from a library (any logger outside N1's own packages) below WARNING keeps its
   message template and loses its arguments, and an exception it carries is shown by type
   only. What the libraries log there, read from their source:
   - python-telegram-bot at DEBUG: each update being processed ("Processing update %s",
     with the person's name and what they typed), every Bot API call's parameters (the text
     N1 sends, which quotes their words) and its return value, webhook bodies;
   - SQLAlchemy (`sqlalchemy.engine`) at INFO and DEBUG: statements with their parameters
     and result rows (N1's engine also hides parameters: `hide_parameters`);
   - aiosqlite at DEBUG: each call with its arguments ("executing %s", the statement's
     parameters);
   - httpx at INFO: each request's URL, which holds the bot token; aiohttp's access log at
     INFO: the request line, with the token in the path; APScheduler: job names and times.
   Each puts the data in the arguments; the templates are fixed words. A few libraries log
   pre-formatted lines (httpcore's traces, aiohttp's access log): those keep their words,
   and rule 2 still applies to them.
2. Every secret N1 is given (the bot token, N1_SECRET_KEY, N1_ENCRYPTION_KEYS,
   N1_WEBHOOK_SECRET, the database password) is replaced by `[redacted]` in the formatted
   message, the exception text and the stack, at every level and from every logger.

N1's own loggers log ids, counts, kinds and exception types only (ARCHITECTURE, Privacy).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote, quote_plus

# The top-level packages whose log lines N1 writes itself (ids and kinds only).
OWN_PACKAGES = frozenset({"core", "messages", "scheduler", "usecases", "bot"})
REDACTED = "[redacted]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class PrivacyFilter(logging.Filter):
    """Takes people's data and secrets out of every record a handler writes (see the
    module's docstring). It rewrites the record in place, so later handlers get it clean."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        spellings: set[str] = set()
        for secret in secrets:
            if secret:
                # As written, and as it appears inside a URL (a password or a token there).
                spellings |= {secret, quote(secret, safe=""), quote_plus(secret)}
        # Longest first, so a secret that contains another is redacted whole.
        ordered = sorted(spellings, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite `record` without people's data or secrets; always let it through."""
        if record.name.partition(".")[0] not in OWN_PACKAGES and record.levelno < logging.WARNING:
            _keep_template_only(record)
        try:
            message = record.getMessage()
        except Exception:  # a library's malformed record: never let logging itself fail
            message = str(record.msg)
        record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        return text if self._secrets is None else self._secrets.sub(REDACTED, text)


def _keep_template_only(record: logging.LogRecord) -> None:
    """The record's fixed words only: no arguments, an exception by its type alone."""
    record.msg = record.msg if isinstance(record.msg, str) else type(record.msg).__name__
    record.args = None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = f"{record.exc_info[0].__name__} (details not logged)"
    record.stack_info = None


def configure_logging(
    level: str, secrets: Iterable[str] = (), *, stream: TextIO | None = None
) -> logging.Handler:
    """Plain log lines on stderr (or `stream`) through `PrivacyFilter`; chatty libraries
    kept quiet. Returns the handler."""
    logging.basicConfig(level=level, format=FORMAT, stream=stream, force=True)
    handler = logging.getLogger().handlers[0]
    handler.addFilter(PrivacyFilter(secrets))
    # Quieter libraries make shorter logs; the filter, not these levels, keeps data out.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))
    return handler
