"""Small helpers the repositories share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto import TextCipher
from core.store.engine import CIPHER_INFO
from core.store.tables import MAX_ERROR_LENGTH, Base

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

    Upsert = sqlite.Insert | postgresql.Insert


def cipher_of(session: AsyncSession) -> TextCipher:
    """The cipher for people's words that the session's factory carries."""
    cipher = session.info.get(CIPHER_INFO)
    if not isinstance(cipher, TextCipher):
        raise RuntimeError(
            "the session factory was made without a cipher (create_session_factory)"
        )
    return cipher


def columns(model: type[Base]) -> tuple[ColumnElement[Any], ...]:
    """Every column of `model`'s table, for `select(...)` and `.returning(...)`.

    Repositories select columns rather than ORM entities: the session's identity map then
    never holds a row object that a later bulk UPDATE could leave stale.
    """
    return tuple(model.__table__.c)


def table_of(model: type[Base]) -> Table:
    """The table a model maps, for Core statements (typed as the `Table` it is)."""
    return Base.metadata.tables[model.__tablename__]


def upsert(session: AsyncSession, model: type[Base] | Table) -> Upsert:
    """An INSERT that can take ON CONFLICT, for the session's database."""
    return insert_for(session.get_bind().dialect.name, model)


def insert_for(dialect: str, model: type[Base] | Table) -> Upsert:
    """An INSERT that can take ON CONFLICT, for the database `dialect` names.

    SQLite and PostgreSQL spell ON CONFLICT the same way, but SQLAlchemy keeps the
    construct per dialect; this is the one place that chooses.
    """
    # Imported here, not at the top: loading a dialect nobody uses costs start-up time.
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(model)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    raise NotImplementedError(f"no ON CONFLICT support for {dialect!r}")


def clip(text: str | None, limit: int = MAX_ERROR_LENGTH) -> str | None:
    """Cut free text to fit its column (error texts can be long tracebacks)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
