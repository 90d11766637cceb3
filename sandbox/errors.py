"""Bot API errors as Telegram words them, and the JSON bodies Telegram answers with."""

from __future__ import annotations

from typing import Any

JSONDict = dict[str, Any]

# Telegram's own description strings, so code that matches on them behaves as in production.
CHAT_NOT_FOUND = "Bad Request: chat not found"
CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
CANT_EDIT = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
MESSAGE_ID_MISSING = "Bad Request: message identifier is not specified"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
TEXT_BUTTON_IN_INLINE = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
MARKUP_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
UNSUPPORTED_PARSE_MODE = "Bad Request: unsupported parse_mode"
WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
FILE_EMPTY = "Bad Request: file must be non-empty"
IMAGE_PROCESS_FAILED = "Bad Request: IMAGE_PROCESS_FAILED"
PHOTO_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
WRONG_ACTION = "Bad Request: wrong parameter action in request"
COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"
COMMAND_DESCRIPTION_INVALID = "Bad Request: command description is empty or too long"
BAD_WEBHOOK = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
INVALID_FILE_ID = "Bad Request: invalid file_id"
BLOCKED = "Forbidden: bot was blocked by the user"
KICKED_FROM_GROUP = "Forbidden: bot was kicked from the group chat"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
UNAUTHORIZED = "Unauthorized"
NOT_FOUND = "Not Found"
INTERNAL = "Internal Server Error"
TOO_LARGE = "Request Entity Too Large"


class ApiError(Exception):
    """A Bot API failure: becomes `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        """The JSON body Telegram would send for this error."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    """A 400 with a Telegram description (which already starts with "Bad Request: ")."""
    return ApiError(400, description)


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 carrying `parameters.retry_after`."""
    retry_after = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def forbidden(description: str = BLOCKED) -> ApiError:
    """A 403, by default "bot was blocked by the user"."""
    return ApiError(403, description)


def server_error(status: int = 500) -> ApiError:
    """A 500 or 502: the request was not carried out."""
    return ApiError(status, INTERNAL)


def ok(result: Any) -> JSONDict:
    """A successful Bot API answer."""
    return {"ok": True, "result": result}
