"""docker-compose.yml and the Dockerfile are checked as files (no Docker engine here)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from core.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_n1_against_its_postgres_once_healthy() -> None:
    services = _compose()["services"]
    n1, postgres = services["n1"], services["postgres"]
    assert n1["command"] == ["n1", "run"]
    assert n1["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in postgres
    url = n1["environment"]["N1_DATABASE_URL"]
    user = postgres["environment"]["POSTGRES_USER"]
    database = postgres["environment"]["POSTGRES_DB"]
    assert url.startswith(f"postgresql+asyncpg://{user}:")
    assert url.endswith(f"@postgres:5432/{database}")


def test_compose_sets_only_variables_n1_knows() -> None:
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    environment = _compose()["services"]["n1"]["environment"]
    assert set(environment) <= known


def test_compose_listens_where_the_published_port_points() -> None:
    n1 = _compose()["services"]["n1"]
    port = n1["environment"]["N1_WEBHOOK_PORT"]
    assert n1["environment"]["N1_WEBHOOK_LISTEN"] == "0.0.0.0"
    assert f"{port}:{port}" in n1["ports"]


def _installed_packages() -> list[str]:
    """The top-level packages `pip install .` installs (pyproject's package find)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.removesuffix("*") for pattern in patterns]


def test_the_image_copies_every_package_and_runs_n1() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    packages = _installed_packages()
    # The packages `n1 run` imports must all be there (they moved about in issue 12).
    assert {"core", "messages", "scheduler", "usecases", "bot", "sandbox"} <= set(packages)
    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert 'CMD ["n1", "run"]' in dockerfile
