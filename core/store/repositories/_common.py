"""Small helpers shared by the repositories (not part of the public API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Row, Table, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.tables import MAX_ERROR_LENGTH, Base

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

    Upsert = sqlite.Insert | postgresql.Insert


def columns(model: type[Base]) -> tuple[ColumnElement[Any], ...]:
    """Every column of `model`'s table, for `select(...)` and `.returning(...)`.

    Repositories select columns rather than ORM entities: the session's identity map then
    never holds a row object that a later bulk UPDATE could leave stale.
    """
    return tuple(model.__table__.c)


def as_dict(row: Row[Any]) -> dict[str, Any]:
    """A result row as a column-name -> value dict."""
    return row._asdict()


def upsert(session: AsyncSession, model: type[Base] | Table) -> Upsert:
    """An INSERT that can take ON CONFLICT, for the session's database."""
    return insert_on_conflict(session.get_bind().dialect.name, model)


def insert_on_conflict(dialect: str, model: type[Base] | Table) -> Upsert:
    """An INSERT that can take ON CONFLICT, for the dialect named `dialect`.

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


async def update_each(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    **same: Any,
) -> None:
    """One UPDATE sent with many rows' values (an executemany), by primary key `id`.

    Each row names its `id` and the columns it sets (all rows the same columns); `same` is
    set on every row. A Core UPDATE on the table: the ORM's bulk-by-primary-key mode would
    want ORM objects' keys, and one statement per row costs a round trip each.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    varying = [name for name in rows[0] if name != "id"]
    # Parameter names differ from the column names: SQLAlchemy reserves those in SET.
    statement = (
        update(table)
        .where(table.c.id == bindparam("each_id", type_=table.c.id.type))
        .values(
            **{name: bindparam(f"each_{name}", type_=table.c[name].type) for name in varying},
            **same,
        )
    )
    await session.execute(
        statement, [{f"each_{name}": value for name, value in row.items()} for row in rows]
    )


def clip(text: str | None, limit: int = MAX_ERROR_LENGTH) -> str | None:
    """Cut free text to fit its column (error texts can be long tracebacks)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
