"""`PrivacyFilter` on its own: what a library may log, and what comes out."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.logs import FORMAT, PrivacyFilter

TOKEN = "123456:AAH-secret_tokenPart"
PASSWORD = "p@ss:w/rd"  # characters a database URL percent-encodes
NOTE = "my back ached on the bus"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """A logger tree of its own, written through `PrivacyFilter` into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(PrivacyFilter([TOKEN, PASSWORD, ""]))
    names = ("telegram.ext.Application", "httpx", "bot.jobs", "sqlalchemy.engine.Engine")
    for name in names:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
    try:
        yield stream
    finally:
        for name in names:
            logger = logging.getLogger(name)
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
            logger.propagate = True


def test_a_library_below_warning_keeps_its_words_and_loses_its_arguments(
    output: io.StringIO,
) -> None:
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", {"text": NOTE})
    logging.getLogger("sqlalchemy.engine.Engine").info("[cached] %r", (NOTE, 3))
    written = output.getvalue()
    assert "Processing update %s" in written
    assert "[cached] %r" in written
    assert NOTE not in written


def test_a_library_exception_below_warning_is_shown_by_its_type(output: io.StringIO) -> None:
    try:
        raise ValueError(NOTE)
    except ValueError:
        logging.getLogger("telegram.ext.Application").debug("failed", exc_info=True)
    written = output.getvalue()
    assert "ValueError (details not logged)" in written
    assert NOTE not in written


def test_secrets_are_redacted_at_every_level_in_messages_tracebacks_and_stacks(
    output: io.StringIO,
) -> None:
    url = f"postgresql://n1:{PASSWORD}@db/n1"
    encoded = "postgresql://n1:p%40ss%3Aw%2Frd@db/n1"
    logging.getLogger("httpx").warning("HTTP Request: POST %s", f"https://x/bot{TOKEN}/getMe")
    logging.getLogger("httpx").error("could not connect to %s or %s", url, encoded)
    try:
        raise RuntimeError(f"bad token {TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.jobs").exception("tick failed", stack_info=True)
    written = output.getvalue()
    assert TOKEN not in written
    assert "secret_tokenPart" not in written
    assert PASSWORD not in written
    assert "p%40ss%3Aw%2Frd" not in written
    assert written.count("[redacted]") == 4
    assert "RuntimeError: bad token [redacted]" in written
    assert "Stack (most recent call last)" in written


def test_n1s_own_debug_lines_keep_their_ids(output: io.StringIO) -> None:
    logging.getLogger("bot.jobs").debug("tick: %d check-ins for patient %d", 3, 42)
    assert "tick: 3 check-ins for patient 42" in output.getvalue()


def test_a_malformed_library_record_does_not_break_logging(output: io.StringIO) -> None:
    logging.getLogger("bot.jobs").warning("%d items", "not a number")
    assert "%d items" in output.getvalue()
    assert sys.exc_info() == (None, None, None)
