"""How every `n1` command reports a problem the operator must fix."""

from __future__ import annotations

import typer


def fail(message: str) -> typer.Exit:
    """Print one clear line and give the exit status for a configuration problem (2)."""
    typer.echo(f"n1: {message}", err=True)
    return typer.Exit(code=2)
