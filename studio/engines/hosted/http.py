"""Talking to a hosted service: timeouts, retries, cancel, and one sentence per failure.

`HostedClient.call` sends one request and returns the whole reply or raises a
`HostedError` whose sentence names the service and never holds the key. It retries
429 and 5xx with exponential backoff and jitter, honouring Retry-After (and OpenAI's
retry-after-ms), up to `Retries.attempts` tries. Connection failures and timeouts are
not retried: a request that timed out may have been done, and paid for.

Cancel: between tries and between body chunks the job's flag is read; a read that
blocks (a server thinking for a minute) cannot read a flag, so one watcher thread
shuts down the socket of any call whose job was cancelled, which wakes the read.
Each worker thread has its own client with one keep-alive connection, so the socket
in use by a call is known without reaching into httpx's pool.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from studio.engines.base import NullState, TaskState, check_cancelled
from studio.engines.secrets import ApiKey, redact
from studio.errors import Cancelled, EngineError

log = logging.getLogger("studio.hosted")

MAX_REPLY_BYTES = 512 * 2**20
WATCH_TICK = 0.05  # seconds between looks at the cancel flags of calls in flight


@dataclass(frozen=True)
class Retries:
    attempts: int = 4  # tries in all, the first included
    backoff: float = 0.5  # seconds before the second try; doubles each try after
    max_wait: float = 30.0  # a Retry-After longer than this gives up at once
    jitter: float = 0.25  # ± this fraction, so many clients do not retry in step

    def wait_before(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        delay = self.backoff * 2 ** max(0, attempt - 2) * (1 + random.uniform(-self.jitter, self.jitter))
        return min(self.max_wait, max(0.0, delay))


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 120.0  # the longest silence while waiting for, or reading, a reply
    total: float = 900.0  # the longest one try may take, a trickling body included


class HostedError(EngineError):
    """A hosted service did not do the work. `charged` is what the provider reported
    having billed for it (set by the engine), None when it reported nothing."""

    def __init__(self, message: str, *, detail: str = "", status: int | None = None, headers: dict | None = None):
        super().__init__(message[:1].upper() + message[1:], detail=detail)  # "the server at ..." opens some
        self.status = status
        self.headers = headers or {}
        self.charged = None


class KeyRefused(HostedError):
    """401/403: the key is wrong, revoked, or may not do this."""


class OutOfCredit(HostedError):
    """402, or a quota error: the account must be topped up."""


class Unreachable(HostedError):
    """Nothing answered at the service's address."""


class TimedOut(HostedError):
    """The service went silent for longer than the read timeout."""


class MalformedReply(HostedError):
    """The reply arrived whole but is not what the API promises."""


class CancelledCall(Cancelled):
    """The creator cancelled a call; `headers` are the reply's, if they had arrived."""

    def __init__(self, headers: dict | None = None):
        super().__init__("cancelled")
        self.headers = headers or {}
        self.charged = None


@dataclass
class Reply:
    status: int
    headers: dict  # names in lower case
    body: bytes
    attempts: int
    seconds: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class HostedClient:
    """One hosted service at one address, with its key source and its policies."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        key: Callable[[], ApiKey | None] = lambda: None,
        auth: Callable[[str], dict] = lambda key: {"Authorization": f"Bearer {key}"},
        key_help: str = "check the key in Settings",
        timeouts: Timeouts = Timeouts(),
        retries: Retries = Retries(),
        trust_env: bool = True,
    ):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeouts = timeouts
        self.retries = retries
        self.trust_env = trust_env
        self._key = key
        self._auth = auth
        self._key_help = key_help
        self._local = threading.local()
        self._lines: list[_Line] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HostedClient({self.name!r}, {self.base_url!r})"

    @property
    def host(self) -> str:
        parts = urlsplit(self.base_url)
        return parts.netloc or self.base_url

    def call(self, method: str, path: str, state: TaskState, *, with_key: bool = True, **send) -> Reply:
        """Send `method path` (json=, data=, files=, params=) and return the whole reply.

        `with_key=False` for a URL the service handed back (a CDN): the key goes
        only to the service's own address."""
        url = path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"
        key = self._key() if with_key else None  # a missing key fails here, before any traffic
        headers = self._auth(key.reveal()) if key is not None else {}
        started = time.monotonic()
        attempts = max(1, self.retries.attempts)
        for attempt in range(1, attempts + 1):
            check_cancelled(state)
            status, reply_headers, body = self._once(method, url, headers, send, state, key)
            if status < 400:
                return Reply(status, reply_headers, body, attempt, time.monotonic() - started)
            if not _worth_retrying(status, body) or attempt == attempts:
                raise self._refusal(status, reply_headers, body, attempt, key)
            wait = _retry_after(reply_headers)
            if wait is not None and wait > self.retries.max_wait:
                raise HostedError(
                    f"{self.name} asks the studio to wait {wait:.0f} s before trying again: "
                    "render this later.",
                    status=status,
                    headers=reply_headers,
                )
            delay = self.retries.wait_before(attempt + 1, wait)
            log.info("%s answered HTTP %s; try %d in %.2f s", self.name, status, attempt + 1, delay)
            _pause(delay, state)
        raise AssertionError("unreachable")  # the loop returns or raises

    def close(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        for line in lines:
            line.client.close()
        self._local = threading.local()

    # -- one try ------------------------------------------------------------------

    def _once(self, method, url, headers, send, state, key) -> tuple[int, dict, bytes]:
        import httpx

        line = self._line()
        call = _WATCH.watch(state, line)
        reply_headers = None
        deadline = time.monotonic() + self.timeouts.total
        try:
            with line.client.stream(method, url, headers=headers, extensions={"trace": line.trace}, **send) as response:
                reply_headers = {k.lower(): v for k, v in response.headers.items()}
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    if state.is_cancelled():
                        raise CancelledCall(reply_headers)
                    size += len(chunk)
                    if time.monotonic() > deadline:
                        raise TimedOut(f"{self.name} did not finish its reply within {self.timeouts.total:g} s: "
                                       "render a shorter piece, or try again later.", headers=reply_headers)
                    if size > MAX_REPLY_BYTES:
                        raise MalformedReply(f"{self.name} sent back more than {MAX_REPLY_BYTES >> 20} MB: "
                                             "check its address in Settings.", headers=reply_headers)
                    chunks.append(chunk)
                return response.status_code, reply_headers, b"".join(chunks)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if state.is_cancelled():  # the watcher cut the connection: not a failure
                raise CancelledCall(reply_headers) from None
            raise self._failure(exc, reply_headers, key) from None
        finally:
            _WATCH.unwatch(call)

    def _failure(self, exc: Exception, headers: dict | None, key) -> HostedError:
        """The sentence for a try that got no whole reply. Not retried: it may have been done."""
        import httpx

        detail = redact(repr(exc), key)
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            within = f" within {self.timeouts.connect:g} s" if isinstance(exc, httpx.ConnectTimeout) else ""
            return Unreachable(
                f"Could not reach {self.name} at {self.host}{within}: check that the server is running, "
                "that its address in Settings is right, and your internet connection.",
                detail=detail,
            )
        if isinstance(exc, httpx.TimeoutException):
            return TimedOut(
                f"{self.name} did not answer within {self.timeouts.read:g} s: check your connection "
                "(or that the server is not overloaded), then render again.",
                detail=detail, headers=headers,
            )
        if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
            return HostedError(
                f"The address of {self.name} ({redact(self.base_url, key)}) is not a web address the "
                "studio can use: correct it in Settings (it starts with http:// or https://).",
                detail=detail,
            )
        return HostedError(
            f"The connection to {self.name} broke before the whole reply arrived: render again.",
            detail=detail, headers=headers,
        )

    def _line(self) -> "_Line":
        line = getattr(self._local, "line", None)
        if line is None:
            line = _Line(self._new_client())
            self._local.line = line
            with self._lock:
                self._lines.append(line)
        return line

    def _new_client(self):
        import httpx

        timeout = httpx.Timeout(
            connect=self.timeouts.connect, read=self.timeouts.read, write=self.timeouts.read, pool=self.timeouts.connect
        )
        return httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            trust_env=self.trust_env,
            verify=_ssl_context(),
        )

    def _refusal(self, status: int, headers: dict, body: bytes, attempts: int, key) -> HostedError:
        said = _server_message(body, key)
        q, n = (f" ({said})" if said else ""), self.name
        # "your OpenAI account", but "the account you use on the speech server at ...".
        account = f"the account you use on {n}" if n.startswith("the ") else f"your {n} account"
        if status == 402 or _is_quota(body):
            kind, text = OutOfCredit, (f"{n} says the account is out of credit or over its quota{q}: add credit "
                                       f"or raise the limit in {account}, then render again.")
        elif status == 401:
            kind, text = KeyRefused, f"{n} refused the API key{q}: {self._key_help}."
        elif status == 403:
            kind, text = KeyRefused, (f"{n} does not let this API key do that{q}: check the key's permissions "
                                      f"in {account}, or enter another key in Settings.")
        elif status == 429:
            kind, text = HostedError, (f"{n} was still limiting how fast requests may come after {attempts} "
                                       "tries: wait a minute, then render again.")
        elif status >= 500:
            kind, text = HostedError, (f"{n} had a server error (HTTP {status}) on {attempts} tries in a row: "
                                       "try again later, or pick another final engine.")
        elif status == 404:
            kind, text = HostedError, (f"{n} does not know this request (HTTP 404){q}: check its address "
                                       f"({self.base_url}) and the model name in Settings.")
        else:
            kind, text = HostedError, (f"{n} turned the request down (HTTP {status}){q}: check the model, "
                                       "voice and text, then render again.")
        detail = f"HTTP {status} after {attempts} tries: {body[:500]!r}"
        return kind(redact(text, key), detail=redact(detail, key), status=status, headers=headers)


class _Line:
    """A thread's client, the socket its one connection uses, and the call on it now."""

    def __init__(self, client):
        self.client = client
        self.sock: socket.socket | None = None
        self.state: TaskState | None = None  # the call in flight, while the watcher looks
        self.lock = threading.Lock()

    def trace(self, event: str, info: dict) -> None:
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                self.sock = sock

    def cut_if_cancelled(self) -> None:
        with self.lock:  # never the next call on this line: unwatch clears `state` under the lock
            if self.state is None or not self.state.is_cancelled() or self.sock is None:
                return
            self.state = None
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read; close() would not
            except OSError:
                pass


class _CancelWatch:
    """One daemon thread that cuts the connection of calls whose job was cancelled."""

    def __init__(self):
        self._lines: set[_Line] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, state: TaskState, line: _Line) -> _Line | None:
        if isinstance(state, NullState):
            return None  # nobody can cancel it
        with line.lock:
            line.state = state
        with self._lock:
            self._lines.add(line)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hosted-cancel-watch", daemon=True)
                self._thread.start()
        return line

    def unwatch(self, line: _Line | None) -> None:
        if line is None:
            return
        with line.lock:
            line.state = None
        with self._lock:
            self._lines.discard(line)

    def _run(self) -> None:
        idle_since = time.monotonic()
        while True:
            time.sleep(WATCH_TICK)
            with self._lock:
                lines = list(self._lines)
                if lines:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > 5.0:
                    self._thread = None
                    return
            for line in lines:
                line.cut_if_cancelled()


_WATCH = _CancelWatch()
_SSL = None


def _ssl_context():
    # Loading the CA bundle takes tens of ms; every thread's client shares one context.
    global _SSL
    if _SSL is None:
        import httpx

        _SSL = httpx.create_ssl_context()
    return _SSL


def _pause(seconds: float, state: TaskState) -> None:
    end = time.monotonic() + seconds
    while True:
        check_cancelled(state)
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(WATCH_TICK, left))


def _retry_after(headers: dict) -> float | None:
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _worth_retrying(status: int, body: bytes) -> bool:
    return (status == 429 and not _is_quota(body)) or status >= 500


_QUOTA_WORDS = ("insufficient_quota", "quota_exceeded", "billing_hard_limit", "exceeds your quota")


def _is_quota(body: bytes) -> bool:
    text = body[:4000].decode("utf-8", "replace").lower()
    return any(word in text for word in _QUOTA_WORDS)


def _server_message(body: bytes, key) -> str:
    """The human part of an error body (OpenAI, ElevenLabs, FastAPI shapes), redacted."""
    try:
        data = json.loads(body[:20000].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        text = body[:200].decode("utf-8", "replace").strip()
        return redact(" ".join(text.split()), key) if text and "<" not in text[:1] else ""
    said = ""
    if isinstance(data, dict):
        inner = data.get("error", data.get("detail", data.get("message", "")))
        if isinstance(inner, dict):
            inner = inner.get("message", inner.get("status", ""))
        said = inner if isinstance(inner, str) else ""
    said = " ".join(said.split()).rstrip(".")
    return redact(said[:200], key)
