"""PTB's HTTP client on aiohttp: the same Bot API calls for a fraction of the CPU.

PTB's default `HTTPXRequest` spends 1.2 to 2.5 ms of CPU on each Bot API call (httpx and
httpcore build and check a lot per request), and a button tap makes two (the callback answer
and the edit). aiohttp's C-accelerated parser and leaner request path do the same call in
about a quarter of a millisecond, so on a busy bot the client no longer dominates a tap.

`AiohttpRequest` behaves like `HTTPXRequest` for PTB: the same defaults, timeouts that raise
`telegram.error.TimedOut`, other transport failures `NetworkError`, and the HTTP status and
body handed back for PTB to turn into `BadRequest`, `RetryAfter` and the rest. Parameters go
as a JSON body (keyboards and other objects nested, not as strings inside a form); calls that
upload files go as multipart/form-data (`aiohttp.FormData`), as httpx sends them.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Final, cast

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

logger = logging.getLogger(__name__)

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
# A bad URL's error would quote it, and with it the bot's token: this says so instead.
_INVALID_URL: Final = "the Bot API URL is not valid (check the configured base URL)"
# Parsed URLs kept (a bot calls a few dozen distinct methods; the bound only caps memory).
_MAX_CACHED_URLS: Final = 256
# Timeout combinations kept (PTB's defaults plus the few a caller passes explicitly).
_MAX_CACHED_TIMEOUTS: Final = 64


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` on one `aiohttp.ClientSession`.

    The arguments mean what they mean for `HTTPXRequest`, with the same defaults. aiohttp has
    no timeout per socket write: `write_timeout` (and `media_write_timeout` for uploads)
    instead bounds the whole call, on top of the connect, pool and read timeouts. `proxy` is
    an http:// proxy's URL; without one, the environment's (HTTPS_PROXY, ALL_PROXY, ...) is
    used, as httpx does.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxy",
        "_read_timeout",
        "_session",
        "_timeouts",
        "_urls",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        proxy: str | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._proxy = proxy
        # Made in `initialize`: an aiohttp session belongs to the event loop it is made in.
        self._session: aiohttp.ClientSession | None = None
        # Built once per combination of timeouts: most calls use the defaults.
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}
        self._urls: dict[str, tuple[URL, str | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout in seconds (see `BaseRequest.read_timeout`)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            # trust_env stays off: aiohttp would then read the environment and ~/.netrc on
            # every call. The environment's proxy is looked up once per URL instead (`_url`).
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is None or session.closed:
            logger.debug("This AiohttpRequest is already shut down")
            return
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # Each a float, None (no timeout) or `BaseRequest.DEFAULT_NONE` (not passed).
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP call; the status and the body, or `TimedOut` / `NetworkError`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, self._media_write_timeout if uploads else self._write_timeout),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )
        data: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if uploads:
                data = _multipart(request_data)
            elif parameters := request_data.parameters:
                # A JSON body, which the Bot API takes like a form: encoding it is one C call,
                # where URL-encoding a keyboard quotes it byte by byte in Python.
                data = json.dumps(parameters).encode()
                headers = _JSON_HEADERS
        try:
            target, proxy = self._url(url)
        except ValueError as error:
            raise NetworkError(_INVALID_URL) from error
        try:
            async with session.request(
                method, target, data=data, headers=headers, timeout=timeout, proxy=proxy
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            # aiohttp's ServerTimeoutError and ConnectionTimeoutError are TimeoutErrors too.
            if isinstance(error, aiohttp.ConnectionTimeoutError):
                raise TimedOut(
                    "Timed out connecting, or waiting for a free connection in the pool: "
                    "the request was not sent to Telegram"
                ) from error
            raise TimedOut from error
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as error:
            raise NetworkError(_INVALID_URL) from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _timeout(
        self,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for PTB's four (cached: building one per call is waste)."""
        key = (read, write, connect, pool)
        timeout = self._timeouts.get(key)
        if timeout is None:
            # aiohttp's `connect` covers waiting for a pooled connection and making a new
            # one, `sock_connect` making one only; `sock_read` starts once the request is
            # sent. With no write timeout of its own, the whole call gets the sum of all.
            parts = (read, write, connect, pool)
            total = None if None in parts else sum(part for part in parts if part is not None)
            timeout = aiohttp.ClientTimeout(
                total=total,
                connect=None if connect is None or pool is None else connect + pool,
                sock_connect=connect,
                sock_read=read,
            )
            if len(self._timeouts) < _MAX_CACHED_TIMEOUTS:
                self._timeouts[key] = timeout
        return timeout

    def _url(self, url: str) -> tuple[URL, str | None]:
        """The parsed URL and the proxy to reach it through (cached: the same few method URLs
        are called over and over)."""
        found = self._urls.get(url)
        if found is None:
            parsed = URL(url)
            found = (parsed, self._proxy or _proxy_from_environment(parsed))
            if len(self._urls) < _MAX_CACHED_URLS:
                self._urls[url] = found
        return found


def _given(value: object, default: float | None) -> float | None:
    """A timeout passed for one call, or this object's `default` when none was passed
    (`BaseRequest.DEFAULT_NONE`; an explicit None means no timeout), as HTTPXRequest does."""
    return default if value is BaseRequest.DEFAULT_NONE else cast("float | None", value)


def _proxy_from_environment(url: URL) -> str | None:
    """The proxy HTTPS_PROXY, HTTP_PROXY or ALL_PROXY names for `url` (NO_PROXY honoured),
    as httpx would use it."""
    proxies = urllib.request.getproxies()
    if not proxies or (url.host and urllib.request.proxy_bypass(url.host)):
        return None
    return proxies.get(url.scheme) or proxies.get("all")


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    """Parameters and files as multipart/form-data, the way Telegram takes uploads."""
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


__all__ = ["AiohttpRequest"]
