"""Builders for Telegram JSON objects (users, chats, members, photos) and image sniffing."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class UserProfile:
    """A Telegram user as the sandbox knows them."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_json(self) -> JSONDict:
        """The Telegram `User` object."""
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    @classmethod
    def from_json(cls, data: JSONDict) -> UserProfile:
        """A profile from a `User`-shaped JSON object."""
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or f"User {data['id']}"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "en"),
        )


def bot_user_json(bot_id: int) -> JSONDict:
    """The `from` of every message the bot sends (and getMe without the capability flags)."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": "N1 Sandbox Bot",
        "username": bot_username(bot_id),
    }


def bot_username(bot_id: int) -> str:
    """The bot's @username (without the @)."""
    return f"sandbox_{bot_id}_bot"


def me_json(bot_id: int) -> JSONDict:
    """The getMe result."""
    return {
        **bot_user_json(bot_id),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def member_json(user: JSONDict, status: str, until_date: int = 0) -> JSONDict:
    """A `ChatMember` with `status` ("member", "left" or "kicked")."""
    data: JSONDict = {"user": user, "status": status}
    if status == "kicked":
        data["until_date"] = until_date  # 0 means "forever", as Telegram sends for blocks
    return data


def photo_sizes(
    file_id: str, unique_id: str, width: int, height: int, size: int
) -> list[JSONDict]:
    """The `PhotoSize` list Telegram returns: smaller previews, then the full picture."""
    sizes: list[JSONDict] = []
    longest = max(width, height)
    for index, bound in enumerate((90, 320, 800)):
        if bound < longest:
            scale = bound / longest
            sizes.append(
                {
                    "file_id": f"{file_id}-{index}",
                    "file_unique_id": f"{unique_id}{index}",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": max(1, round(size * scale * scale)),
                }
            )
    sizes.append(
        {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": width,
            "height": height,
            "file_size": size,
        }
    )
    return sizes


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, or None if `data` is neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the JPEG segments to the first start-of-frame marker, which holds the size.
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None
