"""sendPhoto, sendDocument (multipart uploads or re-sent file ids) and getFile."""

from __future__ import annotations

import mimetypes
from typing import Any

from sandbox import errors
from sandbox.call import Call
from sandbox.errors import ApiError, bad_request
from sandbox.methods.common import MAX_CAPTION, deliver, read_markup, read_reply, read_text
from sandbox.objects import image_size, photo_sizes
from sandbox.params import Upload
from sandbox.state import StoredFile

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _upload_or_existing(call: Call, name: str) -> Upload | StoredFile:
    """The file sent as `name`: a new multipart part, an attach:// part, or a known file_id."""
    params = call.params
    if name in params.uploads:
        return params.uploads[name]
    value = params.string(name)
    if not value:
        raise bad_request(f"Bad Request: there is no {name} in the request")
    if value.startswith("attach://"):
        part = params.uploads.get(value.removeprefix("attach://"))
        if part is None:
            raise bad_request(errors.WRONG_FILE)
        return part
    # Photo previews carry "<file_id>-<n>" ids; they all point at the same upload.
    stored = call.bot.files.get(value) or call.bot.files.get(value.rsplit("-", 1)[0])
    if stored is None:
        # URLs cannot be fetched (no internet here) and unknown ids are refused, as Telegram.
        raise bad_request(errors.WRONG_FILE)
    return stored


def _store(call: Call, kind: str, upload: Upload, suffix: str) -> StoredFile:
    number = call.state.next_id()
    prefix = "AgAC" if kind == "photo" else "BQAC"
    stored = StoredFile(
        file_id=f"{prefix}sbx{call.bot.bot_id}x{number:08d}",
        unique_id=f"AQAD{number:08d}",
        path=f"{kind}s/file_{number}{suffix}",
        content=upload.content,
        mime_type=upload.content_type,
        file_name=upload.filename,
    )
    call.bot.files[stored.file_id] = stored
    return stored


def _caption_content(call: Call) -> dict[str, Any]:
    caption, entities = read_text(call, "caption", MAX_CAPTION, required=False)
    content: dict[str, Any] = {}
    if caption:
        content["caption"] = caption
    if entities:
        content["caption_entities"] = entities
    return content


async def send_photo(call: Call) -> Any:
    """Send a PNG or JPEG (max 10 MB, width + height <= 10000, aspect ratio <= 20)."""
    chat = call.chat()
    source = _upload_or_existing(call, "photo")
    content = source.content
    if not content:
        raise bad_request(errors.FILE_EMPTY)
    if len(content) > MAX_PHOTO_BYTES:
        raise ApiError(413, errors.TOO_LARGE)
    size = image_size(content)
    if size is None:
        raise bad_request(errors.IMAGE_PROCESS_FAILED)
    width, height = size
    if width < 1 or height < 1 or width + height > 10000 or max(size) > 20 * min(size):
        raise bad_request(errors.PHOTO_DIMENSIONS)
    extra = _caption_content(call)
    markup, keyboard = read_markup(call)
    reply = read_reply(call, chat)
    call.gate(chat, counted=True)
    if isinstance(source, Upload):
        suffix = ".png" if content.startswith(b"\x89PNG") else ".jpg"
        source = _store(call, "photo", source, suffix)
    sizes = photo_sizes(source.file_id, source.unique_id, width, height, len(content))
    return deliver(call, chat, "photo", {"photo": sizes, **extra}, markup, keyboard, reply).data


async def send_document(call: Call) -> Any:
    """Send any file up to 50 MB as a document."""
    chat = call.chat()
    source = _upload_or_existing(call, "document")
    if not source.content:
        raise bad_request(errors.FILE_EMPTY)
    if len(source.content) > MAX_DOCUMENT_BYTES:
        raise ApiError(413, errors.TOO_LARGE)
    extra = _caption_content(call)
    markup, keyboard = read_markup(call)
    reply = read_reply(call, chat)
    call.gate(chat, counted=True)
    if isinstance(source, Upload):
        name = source.filename or "file"
        suffix = "." + name.rsplit(".", 1)[1] if "." in name else ""
        source = _store(call, "document", source, suffix)
    document: dict[str, Any] = {
        "file_id": source.file_id,
        "file_unique_id": source.unique_id,
        "file_size": len(source.content),
    }
    if source.file_name:
        document["file_name"] = source.file_name
    mime = source.mime_type
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(source.file_name or "")[0] or mime
    if mime:
        document["mime_type"] = mime
    content = {"document": document, **extra}
    return deliver(call, chat, "document", content, markup, keyboard, reply).data


async def get_file(call: Call) -> Any:
    """A file's path for download from the sandbox's file URL."""
    file_id = call.params.string("file_id") or ""
    stored = call.bot.files.get(file_id) or call.bot.files.get(file_id.rsplit("-", 1)[0])
    if stored is None:
        raise bad_request(errors.INVALID_FILE_ID)
    return {
        "file_id": file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.content),
        "file_path": stored.path,
    }
