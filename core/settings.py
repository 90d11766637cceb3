"""N1's settings, read from `N1_*` environment variables and an optional `.env` file.

Settings are built once, in the composition root (the `n1` command), and passed down; nothing
reads them at import time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.crypto import ENCRYPTION_KEYS_VARIABLE, check_key

ENV_PREFIX = "N1_"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
# Telegram's own rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_BOT_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class SettingsError(Exception):
    """A setting is missing or invalid; `str(error)` is one line naming the variable."""


def default_database_url() -> str:
    """A SQLite file called `n1.db` in the working directory."""
    return f"sqlite+aiosqlite:///{Path.cwd() / 'n1.db'}"


class Settings(BaseSettings):
    """Every setting N1 reads; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    bot_token: SecretStr | None = None
    database_url: str = Field(default_factory=default_database_url)
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_file_url: str = TELEGRAM_FILE_URL
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    secret_key: SecretStr | None = None
    # One or more Fernet keys, comma-separated: the first encrypts, every one decrypts.
    encryption_keys: SecretStr | None = None
    messages_dir: Path | None = None
    tick_seconds: float = Field(default=20.0, gt=0)
    # The data of someone N1 has not heard from for this long is erased (daily purge).
    retention_months: int = Field(default=24, ge=1)
    log_level: str = "INFO"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _BOT_TOKEN.match(value.get_secret_value()):
            raise ValueError("expected a BotFather token such as 123456:ABC-DEF...")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        # People write "1,2,3" in an env file; accept that as well as a JSON-ish list.
        if isinstance(value, str):
            parts = [part.strip() for part in value.strip("[]").split(",")]
            return tuple(part for part in parts if part)
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("https://", "http://")):
            raise ValueError("expected a URL starting with https://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters: letters, digits, _ and -")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        keys = _split_keys(value.get_secret_value())
        if not keys:
            return None
        for number, key in enumerate(keys, start=1):
            try:
                check_key(key)
            except ValueError:
                # Never the key itself in the message: it is a secret even when malformed.
                raise ValueError(
                    f"key {number} of {len(keys)} is not a Fernet key (32 random bytes in "
                    "URL-safe base64); make one with `n1 keys new`"
                ) from None
        return value

    @field_validator("messages_dir")
    @classmethod
    def _existing_directory(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def webhook_mode(self) -> bool:
        """Webhook mode when a webhook URL is set, long polling otherwise."""
        return self.webhook_url is not None

    def callback_secret(self, token: str) -> str:
        """The secret that signs button data: N1_SECRET_KEY, or else the bot token."""
        return self.secret_key.get_secret_value() if self.secret_key else token

    def require_encryption_keys(self) -> list[str]:
        """The encryption keys, first the one that encrypts, or a `SettingsError` saying how
        to make one."""
        if self.encryption_keys is None:
            raise SettingsError(
                f"{ENCRYPTION_KEYS_VARIABLE} is not set: people's own words are stored "
                f"encrypted; make a key with `n1 keys new` and put it in "
                f"{ENCRYPTION_KEYS_VARIABLE}"
            )
        return _split_keys(self.encryption_keys.get_secret_value())

    def secret_values(self) -> list[str]:
        """Every secret a log line must never show: the bot token, the secret key, the
        webhook secret, the encryption keys and the database password."""
        secrets = [
            secret.get_secret_value()
            for secret in (self.bot_token, self.secret_key, self.webhook_secret)
            if secret is not None
        ]
        if self.encryption_keys is not None:
            secrets += _split_keys(self.encryption_keys.get_secret_value())
        # Here, not at the top: `n1 --version` and `n1 keys new` need no SQLAlchemy.
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            password = make_url(self.database_url).password
        except ArgumentError:
            password = None
        if password:
            secrets.append(str(password))
        return secrets

    def require_token(self) -> str:
        """The bot token, or a `SettingsError` saying how to get one."""
        if self.bot_token is None:
            raise SettingsError(
                "N1_BOT_TOKEN is not set: create a bot with @BotFather on Telegram and put its "
                "token in N1_BOT_TOKEN (or try `n1 demo`, which needs no token)"
            )
        return self.bot_token.get_secret_value()


def _split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        variable = f"{ENV_PREFIX}{field.upper()}"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{variable} is invalid: {message}") from None
