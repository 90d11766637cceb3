"""Small helpers shared by the repositories (not part of the public API)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Row, Table
from sqlalchemy.engine import Dialect
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
    return insert_on_conflict(dialect_of(session).name, model)


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


def dialect_of(session: AsyncSession) -> Dialect:
    """The dialect of the database the session talks to."""
    return session.get_bind().dialect


def _unchanged(value: Any) -> Any:
    return value


def driver_form(dialect: Dialect, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """What SQLAlchemy does to a value bound to `column` before the driver gets it.

    The column type's own bind processing for `dialect` (the UTC check and, on SQLite, the
    text form of dates and datetimes; JSON serialising), so values converted here are
    stored exactly as an ORM or Core write would store them. For the bulk writes below,
    which hand the driver values already in this form.
    """
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return _unchanged if process is None else process


def memoised(convert: Callable[[Any], Any]) -> Callable[[Hashable], Any]:
    """`convert`, remembering its answer for each value (for values many rows share: the
    batch's `now`, the time everyone's check-in is due)."""
    known: dict[Hashable, Any] = {}

    def lookup(value: Hashable) -> Any:
        try:
            return known[value]
        except KeyError:
            known[value] = converted = convert(value)
            return converted

    return lookup


def _marks(paramstyle: str, count: int, first: int = 1) -> list[str]:
    """`count` parameter placeholders in the driver's paramstyle, numbered from `first`."""
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle == "numeric_dollar":
        return [f"${n}" for n in range(first, first + count)]
    raise NotImplementedError(f"no bulk writes for paramstyle {paramstyle!r}")


@lru_cache(maxsize=64)
def _insert_sql(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    rows: int,
    unique: tuple[str, ...],
    returning: tuple[str, ...],
) -> str:
    quote = dialect.identifier_preparer.quote
    width = len(names)
    values = ", ".join(
        f"({', '.join(_marks(dialect.paramstyle, width, row * width + 1))})" for row in range(rows)
    )
    return (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(map(quote, names))}) "
        f"VALUES {values} "
        f"ON CONFLICT ({', '.join(map(quote, unique))}) DO NOTHING "
        f"RETURNING {', '.join(map(quote, returning))}"
    )


async def insert_new(
    session: AsyncSession,
    model: type[Base],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert rows whose key `unique` does not exist yet; `returning` of those inserted.

    Each row holds the values of the columns `names`, in that order and already in the
    driver's form (`driver_form`); columns left out get their defaults, as in a Core
    INSERT. Multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING` statements (SQLite
    and PostgreSQL spell them alike) of as many rows as the dialect takes at once. This is
    what SQLAlchemy's "insertmanyvalues" sends, without its per-row, per-value processing,
    which costs several times what the database spends on the rows. The returned values
    are as the driver gives them (on SQLite, dates and datetimes are text).
    """
    if not rows:
        return []
    table = cast(Table, model.__table__)
    # Python-side scalar defaults, as SQLAlchemy would send them for columns left out.
    defaults = [
        column
        for column in table.c
        if column.name not in names and column.default is not None and column.default.is_scalar
    ]
    dialect = dialect_of(session)
    if defaults:
        names = [*names, *(column.name for column in defaults)]
        extra = tuple(
            driver_form(dialect, column)(getattr(column.default, "arg", None))
            for column in defaults
        )
        rows = [(*row, *extra) for row in rows]
    width = len(names)
    per_statement = max(
        1,
        min(dialect.insertmanyvalues_page_size, dialect.insertmanyvalues_max_parameters // width),
    )
    connection = await session.connection()
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        statement = _insert_sql(
            dialect, table, tuple(names), len(chunk), tuple(unique), tuple(returning)
        )
        result = await connection.exec_driver_sql(statement, tuple(chain.from_iterable(chunk)))
        found.extend(result.tuples())
    return found


@lru_cache(maxsize=64)
def _update_sql(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    marks = _marks(dialect.paramstyle, len(names) + 1)
    assignments = ", ".join(
        f"{quote(name)} = {mark}" for name, mark in zip(names, marks, strict=False)
    )
    return (
        f"UPDATE {dialect.identifier_preparer.format_table(table)} SET {assignments} "
        f"WHERE {quote('id')} = {marks[-1]}"
    )


async def update_each(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    **same: Any,
) -> None:
    """One UPDATE sent with many rows' values (an executemany), by primary key `id`.

    Each row names its `id` and the columns it sets (all rows the same columns, all of
    them scalar); `same` is set on every row. Values are converted for the driver as
    SQLAlchemy would (`driver_form`), once per distinct value, and the statement goes to
    the driver as it is: one statement per row would cost a round trip each, and
    SQLAlchemy's per-row processing of an executemany costs more than the database's work.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    dialect = dialect_of(session)
    varying = [name for name in rows[0] if name != "id"]
    convert = [memoised(driver_form(dialect, table.c[name])) for name in varying]
    constant = tuple(driver_form(dialect, table.c[name])(value) for name, value in same.items())
    to_id = driver_form(dialect, table.c.id)
    values = [
        (
            *(to(row[name]) for to, name in zip(convert, varying, strict=True)),
            *constant,
            to_id(row["id"]),
        )
        for row in rows
    ]
    connection = await session.connection()
    await connection.exec_driver_sql(_update_sql(dialect, table, (*varying, *same)), values)


def clip(text: str | None, limit: int = MAX_ERROR_LENGTH) -> str | None:
    """Cut free text to fit its column (error texts can be long tracebacks)."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
