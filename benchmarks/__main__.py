"""`python -m benchmarks [NAME ...] [--quick] [--json FILE]`, from the repository's root (or
`make bench`, `make bench-quick`): see `benchmarks/cli.py` and `benchmarks/README.md`."""

from __future__ import annotations

import sys

from benchmarks.cli import bench_app

sys.exit(bench_app()())
