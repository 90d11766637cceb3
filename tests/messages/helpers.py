"""Helpers for the message library tests: the shipped catalogue, and writing test files."""

from __future__ import annotations

import shutil
import textwrap
from functools import cache
from pathlib import Path

from messages.catalogue import LIBRARY_DIR, Catalogue, load_catalogue


@cache
def shipped() -> Catalogue:
    """The shipped library, loaded once for the whole test run."""
    return load_catalogue()


def write(directory: Path, name: str, content: str) -> Path:
    """Write a YAML file (dedented) into `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
    return path


def copy_library(target: Path) -> Path:
    """A copy of the shipped library to break on purpose."""
    shutil.copytree(LIBRARY_DIR, target)
    return target
