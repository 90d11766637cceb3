"""`python -m benchmarks [NAME ...] [--quick] [--json FILE]` (or `make bench`)."""

from __future__ import annotations

import sys

from benchmarks.cli import bench_app

sys.exit(bench_app()())
