"""Settings come from N1_* variables, and a bad one is named in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import TELEGRAM_API_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [
        "N1_BOT_TOKEN",
        "N1_DATABASE_URL",
        "N1_TELEGRAM_API_URL",
        "N1_TELEGRAM_FILE_URL",
        "N1_ADMIN_IDS",
        "N1_WEBHOOK_URL",
        "N1_WEBHOOK_LISTEN",
        "N1_WEBHOOK_PORT",
        "N1_WEBHOOK_SECRET",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.bot_token is None
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'n1.db'}"
    assert settings.telegram_api_url == TELEGRAM_API_URL
    assert settings.webhook_mode is False
    assert settings.retention_months == 24


def test_values_come_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N1_BOT_TOKEN", "123456:ABC-def_9")
    monkeypatch.setenv("N1_ADMIN_IDS", "11, 22")
    monkeypatch.setenv("N1_WEBHOOK_URL", "https://n1.example.org/telegram")
    monkeypatch.setenv("N1_WEBHOOK_SECRET", "s3cret_token")
    monkeypatch.setenv("N1_TELEGRAM_API_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.require_token() == "123456:ABC-def_9"
    assert settings.admin_ids == (11, 22)
    assert settings.webhook_mode is True
    assert settings.telegram_api_url == "http://127.0.0.1:8081/bot"


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("N1_ADMIN_IDS=5\n", encoding="utf-8")
    assert load_settings().admin_ids == (5,)


def test_the_token_is_never_shown_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N1_BOT_TOKEN", "123456:VERYSECRET")
    assert "VERYSECRET" not in repr(load_settings())


def test_empty_optional_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N1_WEBHOOK_URL", "")
    monkeypatch.setenv("N1_WEBHOOK_SECRET", "")
    assert load_settings().webhook_mode is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("N1_WEBHOOK_PORT", "eighty"),
        ("N1_WEBHOOK_PORT", "70000"),
        ("N1_BOT_TOKEN", "not a token"),
        ("N1_ADMIN_IDS", "12,abc"),
        ("N1_WEBHOOK_URL", "ftp://example.org"),
        ("N1_WEBHOOK_SECRET", "has spaces in it"),
        ("N1_RETENTION_MONTHS", "0"),
        ("N1_RETENTION_MONTHS", "two years"),
    ],
)
def test_an_invalid_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{variable} is invalid")
    assert "\n" not in message


def test_a_missing_token_says_how_to_get_one() -> None:
    with pytest.raises(SettingsError, match=r"N1_BOT_TOKEN.*BotFather.*n1 demo"):
        load_settings().require_token()
