"""Bot API request parameters from a query string, JSON, form or multipart body.

Telegram accepts all four; in forms, objects and arrays arrive as JSON strings (that is how
PTB sends reply_markup, allowed_updates and commands), so the getters decode them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart part."""

    filename: str | None
    content_type: str | None
    content: bytes


class Params:
    """Typed access to one call's parameters."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        """Collect the parameters of `request`, whatever its encoding."""
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("Bad Request: can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise bad_request("Bad Request: can't parse JSON object")
                values.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, FileField):
                        uploads[key] = Upload(
                            value.filename, value.content_type, value.file.read()
                        )
                    else:
                        values[key] = value
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        """Whether `name` was sent (as a value or a file)."""
        return name in self.values or name in self.uploads

    def string(self, name: str) -> str | None:
        """A string parameter, or None when absent."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str, error: str | None = None) -> int | None:
        """An integer parameter, or None; `error` is the description if it is not a number."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(error or f"Bad Request: invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(error or f"Bad Request: invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        """A number parameter, or None."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter; absent means False."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1", "yes")

    def decoded(self, name: str, error: str) -> Any:
        """An object or array parameter (decoded if sent as a JSON string), or None."""
        value = self.values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value
