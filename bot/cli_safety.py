"""`n1 safety check`: which category and rules the safety screening gives a message, so that
clinicians can review the rules. Prints no text it was given, and logs nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_errors import fail

if TYPE_CHECKING:
    from core.safety import Screening

# The screening is imported inside the command, so `n1 --help` stays quick.
safety_app = typer.Typer(help="Safety screening of typed text.", no_args_is_help=True)


def screening_line(screening: Screening) -> str:
    """The primary category first, then every rule that matched (`none` alone if none did)."""
    rules = " ".join(screening.rules)
    return f"{screening.primary}  {rules}" if rules else str(screening.primary)


@safety_app.command("check")
def check(
    text: Annotated[str | None, typer.Argument(help="A message to screen.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Screen each line of this file, one output line each."),
    ] = None,
) -> None:
    """Print the category (first word) and the rules that matched."""
    from core.safety import screen

    if (text is None) == (file is None):
        raise fail("give either a message or --file FILE")
    if file is None:
        lines = [text or ""]
    else:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise fail(f"--file {file}: cannot be read ({type(error).__name__})") from None
    for line in lines:
        typer.echo(screening_line(screen(line)))
