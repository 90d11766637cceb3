"""The `n1` command line: the composition root where settings, store and bot are built."""

from __future__ import annotations

import asyncio
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_errors import fail
from bot.cli_safety import safety_app
from bot.cli_schedule import schedule_app
from core.clock import SystemClock
from core.settings import Settings, SettingsError, load_settings
from core.zones import use_bundled_tzdata

if TYPE_CHECKING:
    from core.crypto import TextCipher
    from core.store.repositories.erasure import Erased
    from messages.catalogue import Catalogue

app = typer.Typer(
    name="n1",
    help="N1: a Telegram companion for people with persistent musculoskeletal pain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The SQL store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
messages_app = typer.Typer(help="The message library.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")
keys_app = typer.Typer(help="The keys that encrypt people's words.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(schedule_app, name="schedule")
app.add_typer(safety_app, name="safety")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error)) from None


def _cipher(settings: Settings) -> TextCipher:
    """The cipher for people's words, or one line saying how to set N1_ENCRYPTION_KEYS."""
    from core.crypto import TextCipher

    try:
        return TextCipher(settings.require_encryption_keys())
    except SettingsError as error:
        raise fail(str(error)) from None


def _catalogue(settings: Settings) -> Catalogue:
    """The message library with the clinic's overrides, or a clear list of what is wrong."""
    from messages.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue(settings.messages_dir)
    except CatalogueError as error:
        for problem in error.problems:
            typer.echo(f"n1: {problem}", err=True)
        raise fail("N1_MESSAGES_DIR has problems; `n1 messages check` lists them") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"n1 {version('n1')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """N1's command line."""


@app.command()
def run() -> None:
    """Run the bot: long polling, or a webhook when N1_WEBHOOK_URL is set."""
    settings = _settings()
    try:
        token = settings.require_token()
        settings.require_encryption_keys()
    except SettingsError as error:
        raise fail(str(error)) from None

    from bot.app import allowed_updates, build_application
    from bot.logs import configure_logging

    catalogue = _catalogue(settings)
    configure_logging(settings.log_level, settings.secret_values())
    application = build_application(
        settings, SystemClock(), token=token, catalogue=catalogue, freeze_heap=True
    )
    try:
        if settings.webhook_url is not None:
            secret = (
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            )
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path="telegram",
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=allowed_updates(),
            )
        else:
            application.run_polling(allowed_updates=allowed_updates())
    except SettingsError as error:  # found at start, e.g. keys that cannot read the store
        raise fail(str(error)) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (N1 also does this when it starts)."""
    from core.store.migrate import upgrade

    settings = _settings()
    asyncio.run(upgrade(settings.database_url))
    typer.echo("database is up to date")


@app.command()
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be erased.")
    ] = False,
) -> None:
    """Erase the data of people inactive for N1_RETENTION_MONTHS (the bot does it daily)."""
    settings = _settings()
    erased = asyncio.run(_purge(settings, _cipher(settings), dry_run=dry_run))
    typer.echo(f"{'would erase' if dry_run else 'erased'}: {_counts(erased)}")


async def _purge(settings: Settings, cipher: TextCipher, *, dry_run: bool) -> Erased:
    from core.store.engine import create_engine, create_session_factory
    from core.store.migrate import upgrade
    from usecases.retention import purge

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        return await purge(
            create_session_factory(engine, cipher),
            SystemClock(),
            settings.retention_months,
            dry_run=dry_run,
        )
    finally:
        await engine.dispose()


def _counts(erased: Erased) -> str:
    """What a purge erases, as counts only (never who, never what they wrote)."""
    counts = {
        "people": erased.people,
        "check-ins": erased.check_ins,
        "answers": erased.answers,
        "notes": erased.notes,
        "summaries": erased.summaries,
        "messages queued": erased.messages_queued,
        "old events": erased.old_events,
    }
    return ", ".join(f"{what}: {count}" for what, count in counts.items())


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh random key for N1_ENCRYPTION_KEYS."""
    from core.crypto import new_key

    typer.echo(new_key())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored word with the first key of N1_ENCRYPTION_KEYS (and encrypt
    words stored before encryption at rest); afterwards the other keys can be removed."""
    from collections import Counter

    from core.crypto import Rotated
    from core.store.engine import create_engine, create_session_factory
    from core.store.migrate import upgrade
    from usecases.keys import rotate_keys

    settings = _settings()
    cipher = _cipher(settings)

    def report(name: str, counts: Counter[Rotated]) -> None:
        # Counts only: never a value.
        typer.echo(
            f"{name}: {counts[Rotated.REENCRYPTED]} re-encrypted, "
            f"{counts[Rotated.ENCRYPTED]} encrypted for the first time, "
            f"{counts[Rotated.UNREADABLE]} unreadable"
        )

    async def rotate() -> dict[str, Counter[Rotated]]:
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            return await rotate_keys(create_session_factory(engine, cipher), progress=report)
        finally:
            await engine.dispose()

    done = asyncio.run(rotate())
    unreadable = sum(counts[Rotated.UNREADABLE] for counts in done.values())
    if unreadable:
        raise fail(
            f"N1_ENCRYPTION_KEYS: {unreadable} stored value(s) open with none of the keys; "
            "add the key they were written with (after the first) and run this again"
        )
    typer.echo("every stored word is encrypted with the first key")


@messages_app.command("check")
def messages_check(
    directory: Annotated[
        Path | None,
        typer.Argument(help="A clinic's override folder; without it, the shipped library."),
    ] = None,
) -> None:
    """Check message files: every problem as file, message id and what is wrong."""
    from messages.catalogue import check_directory

    problems = check_directory(directory)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(code=1)
    typer.echo("the message library is valid")


@app.command()
def demo(
    patients: Annotated[int, typer.Option(min=1, max=500, help="Simulated patients.")] = 3,
    days: Annotated[int, typer.Option(min=1, max=120, help="Simulated days.")] = 7,
    seed: Annotated[int, typer.Option(help="Seed for the simulated patients.")] = 1,
    report: Annotated[
        Path | None, typer.Option(help="Write a JSON report of what happened here.")
    ] = None,
    speed: Annotated[
        float, typer.Option(min=1.0, help="Simulated seconds per real second.")
    ] = 21_600.0,
    quiet: Annotated[bool, typer.Option(help="Do not print the conversation.")] = False,
) -> None:
    """Run N1 against the local Bot API sandbox with simulated patients; no token needed."""
    from bot.demo import DemoOptions, run_demo
    from bot.logs import configure_logging

    # The conversation is the output; only problems are logged.
    configure_logging("WARNING")

    options = DemoOptions(
        patients=patients, days=days, seed=seed, report=report, speed=speed, quiet=quiet
    )
    asyncio.run(run_demo(options, out=sys.stdout))


def main() -> None:
    """Entry point of the `n1` console script."""
    use_bundled_tzdata()
    app()
