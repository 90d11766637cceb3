"""The show test: whole journeys with every logger at DEBUG, and not one secret, name or
word a person typed in the log output. An unfiltered handler on the same records shows
what the log would hold without `PrivacyFilter`."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy.engine import make_url

from bot.jobs import delivery_jobs
from bot.logs import FORMAT, configure_logging
from core.clock import FakeClock
from messages import summary_texts
from messages.checkin_message import NOTE_LABEL
from sandbox import BotApiSandbox, SandboxClient
from tests.bot.conftest import BOT_ID, TOKEN, RunningN1, sandbox_settings
from tests.bot.journey_steps import Answers, answer_check_in, onboard
from tests.keys import TEST_ENCRYPTION_KEY
from tests.scheduler.helpers import utc

ACTIVITY = "dance with Marisol"
NOTE = "Marisol says my hip clicks"
FOCUS = "swim at Pondside baths"
FIRST_NAME = "Ottoline"
USERNAME = "ottoline_q"
SECRET_KEY = "n1-secret-key-Qx7Vb2"
WEBHOOK_SECRET = "webhook-secret-Zp4Hj9"
DB_PASSWORD = "db-pass-Lm3Kt8"
LIBRARIES = (
    "telegram",
    "httpx",
    "httpcore",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiosqlite",
    "asyncpg",
    "apscheduler",
    "aiohttp",
    "aiohttp.access",
    "aiohttp.server",
    "asyncio",
)


class Logs:
    """What N1's handler wrote, and what an unfiltered handler wrote from the same records."""

    def __init__(self) -> None:
        self.written = io.StringIO()
        self.unfiltered = io.StringIO()


@pytest.fixture
def logs() -> Iterator[Logs]:
    """N1's logging at DEBUG, then every logger there is forced to DEBUG; put back after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    captured = Logs()
    secrets = [TOKEN, SECRET_KEY, WEBHOOK_SECRET, TEST_ENCRYPTION_KEY, DB_PASSWORD]
    configure_logging("DEBUG", secrets, stream=captured.written)
    # Before N1's handler, so it sees each record as the library made it.
    unfiltered = logging.StreamHandler(captured.unfiltered)
    unfiltered.setFormatter(logging.Formatter(FORMAT))
    root.handlers.insert(0, unfiltered)
    for name in LIBRARIES:
        logging.getLogger(name)
    root.setLevel(logging.DEBUG)
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, logger in logging.root.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(saved_levels.get(name, logging.NOTSET))


@pytest.fixture
async def n1_with_secrets(
    logs: Logs, database_url: str, sandbox: BotApiSandbox, clock: FakeClock
) -> AsyncIterator[RunningN1]:
    """N1 with every secret setting set (a database password too, on PostgreSQL, whose test
    server trusts local connections), started after logging is at DEBUG."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        database_url = url.set(password=DB_PASSWORD).render_as_string(hide_password=False)
    settings = sandbox_settings(
        database_url, sandbox, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET
    )
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(SandboxClient(sandbox.url, bot_id=BOT_ID))
        running = RunningN1(settings, sandbox, client, clock)
        await running.start()
        stack.push_async_callback(running.stop)
        yield running


async def test_a_whole_journey_at_debug_logs_no_secret_name_or_typed_word(
    logs: Logs, n1_with_secrets: RunningN1
) -> None:
    n1 = n1_with_secrets
    person = n1.client.user(9101, first_name=FIRST_NAME, username=USERNAME)
    await onboard(n1, person, Answers(activities=(ACTIVITY,)))
    await answer_check_in(person)
    before = len(await person.messages())
    await person.press(NOTE_LABEL)
    await person.wait_for_messages(before + 1)
    await person.send_text(NOTE)
    await person.wait_for_messages(before + 2)
    # Sunday 18:00 in London: the weekly summary, then their focus for next week.
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    before = len(await person.messages())
    n1.clock.set(utc(2027, 1, 10, 18))
    assert await jobs.tick_now() is not None
    await person.wait_for_messages(
        lambda ms: sum(m.has_photo for m in ms) == 1 and len(ms) >= before + 2, timeout=20
    )
    await person.send_text(FOCUS)
    await person.wait_for_messages(lambda ms: ms[-1].text == summary_texts.FOCUS_SAVED)
    before = len(await person.messages())
    await person.send_command("/export")
    [*_, json_file, _] = await person.wait_for_messages(before + 3)
    # The export gives the person their own words back, decrypted.
    assert json_file.file_id is not None
    exported = json.loads(
        await (await n1.application.bot.get_file(json_file.file_id)).download_as_bytearray()
    )
    assert exported["activities"][0]["label"] == ACTIVITY
    assert [c["note"] for c in exported["check_ins"] if c["note"]] == [NOTE]
    assert exported["weekly_summaries"][0]["next_focus"] == FOCUS
    assert ACTIVITY in exported["weekly_summaries"][0]["text"]
    await n1.stop()

    written = logs.written.getvalue()
    # It logged, at DEBUG, from the libraries too.
    assert " DEBUG telegram." in written
    assert " DEBUG sqlalchemy.engine." in written
    assert " DEBUG sqlalchemy.pool." in written
    forbidden = {
        "typed note": NOTE,
        "activity name": ACTIVITY,
        "focus": FOCUS,
        "first name": FIRST_NAME,
        "username": USERNAME,
        "bot token": TOKEN,
        "bot token's secret half": TOKEN.split(":")[1],
        "secret key": SECRET_KEY,
        "webhook secret": WEBHOOK_SECRET,
        "encryption key": TEST_ENCRYPTION_KEY,
        "database password": DB_PASSWORD,
    }
    leaked = [what for what, value in forbidden.items() if value in written]
    assert leaked == []
    # Without the filter, the same records carry the person's words, name and the token.
    unfiltered = logs.unfiltered.getvalue()
    assert NOTE in unfiltered
    assert ACTIVITY in unfiltered
    assert FIRST_NAME in unfiltered
    assert TOKEN in unfiltered
