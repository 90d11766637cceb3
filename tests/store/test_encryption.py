"""People's own words at rest: the stored values are ciphertext, read back as the words;
rotation moves them to a new key (and encrypts words stored before encryption at rest);
the check at start names what the keys cannot read."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.crypto import Rotated, TextCipher, looks_like_token
from core.store.engine import create_session_factory
from tests.keys import OTHER_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY
from tests.store.helpers import NOTE, WORDS, add_words, read_words
from usecases.keys import rotate_keys, stored_text_problem

SessionFactory = async_sessionmaker[AsyncSession]
# Every stored value that holds a person's words, read with plain SQL.
RAW = {
    "check_ins.note": "SELECT note FROM check_ins",
    "activities.label": "SELECT label FROM activities",
    "weekly_summaries.text": "SELECT text FROM weekly_summaries",
    "weekly_summaries.next_focus": "SELECT next_focus FROM weekly_summaries",
    "outbox.payload": "SELECT payload FROM outbox",
}


async def _raw(session_factory: SessionFactory) -> dict[str, str]:
    async with session_factory() as session:
        return {
            name: str((await session.execute(text(sql))).scalar_one()) for name, sql in RAW.items()
        }


def _factory(engine: AsyncEngine, *keys: str) -> SessionFactory:
    return create_session_factory(engine, TextCipher(list(keys)))


async def test_the_database_holds_ciphertext_and_the_person_gets_their_words_back(
    session_factory: SessionFactory,
) -> None:
    patient = await add_words(session_factory)
    raw = await _raw(session_factory)
    for name, value in raw.items():
        for word in ("knee", "granddaughter", "river", "week"):
            assert word not in value, f"{name} holds the person's words"
    # Whole values are tokens; the outbox keeps its ids and fixed parts readable.
    assert all(looks_like_token(raw[name]) for name in list(RAW)[:4])
    assert await read_words(session_factory, patient) == WORDS


async def test_rotation_moves_every_value_to_the_new_key_and_the_old_key_can_go(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    patient = await add_words(session_factory)  # under the test key
    before = await _raw(session_factory)
    both = _factory(engine, OTHER_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY)

    done = await rotate_keys(both, batch=1)

    assert {name: counts[Rotated.REENCRYPTED] for name, counts in done.items()} == {
        "check_ins.note": 1,
        "activities.label": 1,
        "weekly_summaries.text": 1,
        "weekly_summaries.next_focus": 1,
        "outbox.payload.text": 1,
    }
    after = await _raw(session_factory)
    assert all(after[name] != before[name] for name in RAW)
    new_only = _factory(engine, OTHER_ENCRYPTION_KEY)
    assert await read_words(new_only, patient) == WORDS
    assert await stored_text_problem(new_only) is None
    # The old key alone reads nothing any more, and the check at start says so.
    problem = await stored_text_problem(session_factory)
    assert problem is not None
    assert problem.startswith("N1_ENCRYPTION_KEYS: no key opens what is stored in check_ins.note")


async def test_words_stored_before_encryption_are_encrypted_by_rotation(
    session_factory: SessionFactory,
) -> None:
    patient = await add_words(session_factory)
    async with session_factory.begin() as session:
        await session.execute(text("UPDATE check_ins SET note = :note"), {"note": NOTE})
    problem = await stored_text_problem(session_factory)
    assert problem is not None
    assert "check_ins.note holds words stored before encryption at rest" in problem
    assert "`n1 keys rotate`" in problem

    done = await rotate_keys(session_factory)

    assert done["check_ins.note"] == {Rotated.ENCRYPTED: 1}
    assert done["activities.label"] == {Rotated.REENCRYPTED: 1}
    assert looks_like_token((await _raw(session_factory))["check_ins.note"])
    assert await read_words(session_factory, patient) == WORDS
    assert await stored_text_problem(session_factory) is None


async def test_a_value_no_key_opens_is_counted_and_left_as_it_was(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    await add_words(session_factory)
    before = await _raw(session_factory)
    wrong = _factory(engine, OTHER_ENCRYPTION_KEY)

    done = await rotate_keys(wrong)

    assert all(counts == {Rotated.UNREADABLE: 1} for counts in done.values())
    assert await _raw(session_factory) == before
