"""setMyCommands, getMyCommands and deleteMyCommands, stored per scope and language."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox import errors
from sandbox.call import Call
from sandbox.errors import bad_request

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_MAX_COMMANDS = 100


def _key(call: Call) -> tuple[str, str]:
    scope = call.params.decoded("scope", "Bad Request: can't parse BotCommandScope JSON object")
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("Bad Request: can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), call.params.string("language_code") or ""


async def set_my_commands(call: Call) -> Any:
    """Store the command list for a scope and language (an empty list deletes it)."""
    commands = call.params.decoded("commands", "Bad Request: can't parse commands JSON array")
    if not isinstance(commands, list) or len(commands) > _MAX_COMMANDS:
        raise bad_request("Bad Request: can't parse commands JSON array")
    stored: list[dict[str, str]] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("Bad Request: can't parse commands JSON array")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", ""))
        if not _COMMAND.match(command):
            raise bad_request(errors.COMMAND_INVALID)
        if not 1 <= len(description) <= 256:
            raise bad_request(errors.COMMAND_DESCRIPTION_INVALID)
        stored.append({"command": command, "description": description})
    key = _key(call)
    if stored:
        call.bot.commands[key] = stored
    else:
        call.bot.commands.pop(key, None)
    return True


async def get_my_commands(call: Call) -> Any:
    """The command list stored for a scope and language (empty if none)."""
    return [dict(item) for item in call.bot.commands.get(_key(call), [])]


async def delete_my_commands(call: Call) -> Any:
    """Forget the command list for a scope and language."""
    call.bot.commands.pop(_key(call), None)
    return True
