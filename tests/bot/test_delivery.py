"""Delivery over real HTTP against the sandbox: 429, 403, 5xx and timeouts lose and duplicate
nothing except `uncertain`; and the running bot's tick, nudge buttons and blocks."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.jobs import delivery_jobs
from bot.sender import TelegramSender
from core.clock import FakeClock
from core.domain import CheckInStatus, OutboxKind, OutboxStatus, Patient, PatientStatus
from messages import scheduled
from sandbox import BotApiSandbox, FaultRates, SandboxClient
from scheduler.dispatch_lock import LocalLock
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.pacing import DeliveryLimits
from scheduler.sending import RetryPolicy
from tests.bot.conftest import BOT_ID, TOKEN, RunningN1
from tests.bot.journey_steps import eventually, tuesday_check_in
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    add_active_patient,
    check_ins,
    get_patient,
    make_ticker,
    outbox,
    test_codec,
)

SessionFactory = async_sessionmaker[AsyncSession]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class Delivery:
    """A PTB bot on the sandbox, with a dispatcher over a real database."""

    sandbox: BotApiSandbox
    client: SandboxClient
    bot: Bot
    session_factory: SessionFactory
    clock: FakeClock

    def dispatcher(self, *, read_timeout: float | None = None) -> Dispatcher:
        sender = TelegramSender(self.bot, read_timeout=read_timeout)
        return Dispatcher(
            self.session_factory,
            sender,
            clock=self.clock,
            lock=LocalLock(),
            settings=DispatchSettings(
                limits=DeliveryLimits.unlimited(), retry=RetryPolicy(max_attempts=6)
            ),
            codec=test_codec(),
        )

    async def patients(self, count: int, first_user: int = 8000) -> list[Patient]:
        """People due a check-in at the next tick (Monday 09:00), with open sandbox chats."""
        people = [
            await add_active_patient(
                self.session_factory, telegram_user_id=first_user + n, now=utc(2027, 1, 4, 8)
            )
            for n in range(count)
        ]
        await self.client.register_users(self.client.user(p.telegram_user_id) for p in people)
        self.clock.set(utc(2027, 1, 4, 9))
        report = await make_ticker(self.session_factory, self.clock).tick()
        assert report.checkins_queued == count
        return people

    async def drain_until_settled(self, dispatcher: Dispatcher, rounds: int = 40) -> None:
        """Drain, moving the clock past every retry, until nothing is pending."""
        for _ in range(rounds):
            await dispatcher.drain()
            pending = [
                m for m in await outbox(self.session_factory) if m.status is OutboxStatus.PENDING
            ]
            if not pending:
                return
            self.clock.set(max(self.clock.now(), min(m.not_before_at for m in pending)))
        raise AssertionError("messages still pending")

    def delivered(self, chat_id: int) -> int:
        return len(self.sandbox.deliveries(chat_id))


@pytest.fixture
async def delivery(
    sandbox: BotApiSandbox, session_factory: SessionFactory, clock: FakeClock
) -> AsyncIterator[Delivery]:
    """A PTB bot talking to the sandbox over HTTP, and a fresh database."""
    bot = Bot(TOKEN, base_url=sandbox.base_url, base_file_url=sandbox.file_url)
    async with bot, SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        yield Delivery(sandbox, client, bot, session_factory, clock)


@SQLITE_ONLY
async def test_429_5xx_and_403_lose_nothing_and_send_nothing_twice(delivery: Delivery) -> None:
    flood, flaky, blocker, *others = await delivery.patients(6)
    faults = delivery.sandbox.faults
    faults.add("429", chat_id=flood.chat_id, times=3, retry_after=2)
    faults.add("5xx", chat_id=flaky.chat_id, times=2, status=502)
    faults.add("403", chat_id=blocker.chat_id)
    await delivery.drain_until_settled(delivery.dispatcher())

    for person in (flood, flaky, *others):
        assert delivery.delivered(person.chat_id) == 1
    assert delivery.delivered(blocker.chat_id) == 0
    by_chat = {m.chat_id: m for m in await outbox(delivery.session_factory)}
    assert by_chat[flood.chat_id].status is OutboxStatus.SENT
    assert by_chat[flood.chat_id].attempts == 1  # three floods used up no attempt
    assert by_chat[flaky.chat_id].attempts == 3
    assert by_chat[blocker.chat_id].status is OutboxStatus.FAILED
    assert "blocked" in (by_chat[blocker.chat_id].last_error or "")
    status = (await get_patient(delivery.session_factory, blocker.id)).status
    assert status is PatientStatus.UNREACHABLE
    # Each delivered check-in knows its Telegram message, so taps can be checked against it.
    for check_in in await check_ins(delivery.session_factory, flood.id):
        sent = delivery.sandbox.deliveries(flood.chat_id)[0]
        assert check_in.telegram_message_id == sent.message_id


@SQLITE_ONLY
async def test_a_timeout_after_delivery_is_uncertain_and_never_resent(delivery: Delivery) -> None:
    (person,) = await delivery.patients(1)
    delivery.sandbox.faults.add("timeout", chat_id=person.chat_id, delay=1.0)
    dispatcher = delivery.dispatcher(read_timeout=0.25)
    report = await dispatcher.drain()
    assert report.uncertain == 1
    delivery.clock.advance(timedelta(hours=1))
    assert (await dispatcher.drain()).claimed == 0
    (message,) = await outbox(delivery.session_factory)
    assert message.status is OutboxStatus.UNCERTAIN
    assert "TimedOut" in (message.last_error or "")
    assert delivery.delivered(person.chat_id) == 1  # it did arrive, once


async def test_random_faults_duplicate_nothing_but_the_uncertain(delivery: Delivery) -> None:
    people = await delivery.patients(30)
    delivery.sandbox.faults.rates = FaultRates(
        too_many_requests=0.15, forbidden=0.05, server_error=0.15, timeout=0.05, delay=0.6
    )
    await delivery.drain_until_settled(delivery.dispatcher(read_timeout=0.2))
    statuses: Counter[OutboxStatus] = Counter()
    for message in await outbox(delivery.session_factory):
        statuses[message.status] += 1
        copies = delivery.delivered(message.chat_id)
        if message.status is OutboxStatus.SENT:
            assert copies == 1
        elif message.status is OutboxStatus.UNCERTAIN:
            assert copies <= 1
        else:
            assert message.status is OutboxStatus.FAILED
            assert copies == 0
    assert sum(statuses.values()) == len(people)
    assert statuses[OutboxStatus.SENT] > 0
    assert statuses[OutboxStatus.PENDING] == statuses[OutboxStatus.SENDING] == 0


# --- the running bot ---------------------------------------------------------------------------


async def test_the_running_bot_sends_checkins_and_nudges_and_answers_their_buttons(
    n1: RunningN1,
) -> None:
    factory = n1.services.session_factory
    # Ticks also run in the background; whichever tick comes first sends, and only once.
    person, patient, checkin_message = await tuesday_check_in(n1, 9001)
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    assert checkin_message.text is not None
    assert checkin_message.text.startswith("Your check-in for Tuesday 5 January")

    n1.clock.set(utc(2027, 1, 5, 12))  # three hours on: the one nudge
    assert await jobs.tick_now() is not None
    _, nudge = await person.wait_for_messages(2)
    assert nudge.labels == [scheduled.LATER_TODAY, scheduled.NOT_TODAY]

    press = await person.press(scheduled.LATER_TODAY)
    assert press is not None
    answers = await person.wait_for_answers(1)
    assert answers[-1].text == scheduled.LATER_OK
    edited = await person.wait_for_messages(lambda messages: not messages[-1].labels)
    assert edited[-1].text is not None
    assert scheduled.LATER_OK in edited[-1].text
    (check_in,) = await check_ins(factory, patient.id)
    assert check_in.nudge_reply == "later"
    assert check_in.nudge_due_at == utc(2027, 1, 5, 14)
    assert check_in.status is CheckInStatus.OPEN
    sent = [m.kind for m in await outbox(factory) if m.status is OutboxStatus.SENT]
    assert sent == [OutboxKind.CHECKIN.value, OutboxKind.NUDGE.value]
    assert n1.running.sent_by_kind["checkin"] == 1


async def test_blocking_the_bot_stops_messages_and_unblocking_brings_them_back(
    n1: RunningN1,
) -> None:
    factory = n1.services.session_factory
    person = n1.user(9002)
    await n1.client.register_users([person])
    patient = await add_active_patient(factory, telegram_user_id=9002, now=n1.clock.now())

    async def status_is(expected: PatientStatus) -> bool:
        return (await get_patient(factory, patient.id)).status is expected

    await person.block()
    await eventually(lambda: status_is(PatientStatus.UNREACHABLE))
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    n1.clock.set(utc(2027, 1, 5, 9))
    assert await jobs.tick_now() is not None
    assert await check_ins(factory, patient.id) == []
    await person.unblock()
    await eventually(lambda: status_is(PatientStatus.ACTIVE))
    n1.clock.set(utc(2027, 1, 6, 9))
    assert await jobs.tick_now() is not None
    (message,) = await person.wait_for_messages(1)
    assert message.text is not None
    assert message.text.startswith("Your check-in for Wednesday 6 January")
