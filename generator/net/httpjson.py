"""JSON over HTTPS for the GitHub API and the chat robots, on :mod:`http.client`.

What the answer of a server can do to a CI job is bounded here, once for every caller:

- only ``https`` URLs (plain ``http`` for loopback hosts only, where the tests run their
  stand-in servers), no user name or password in the URL;
- redirects are never followed: a 3xx answer is an error naming the host it points to, so a
  token or a webhook body only ever goes to the host the caller configured;
- one deadline per request on the monotonic clock, covering name lookup, connect, TLS
  handshake, sending and every read: a server that drips one byte a second is cut off at the
  deadline, not held until each read's timeout;
- an answer larger than ``max_bytes`` is refused (by ``Content-Length`` before reading, or
  while reading);
- the answer must be UTF-8 JSON.

Every failure is an :class:`HttpProblem` subclass with a Chinese and an English message that
names the host, never the path or query (a webhook's key lives there).

The socket level (deadline, proxy, TLS) is :mod:`generator.net.httpconn`.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.net.httpconn import (
    LOOPBACK,
    Clock,
    Expired,
    ProxyProblem,
    is_loopback,
    open_socket,
    response_class,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "LOOPBACK",
    "BadAnswer",
    "DeadlineExceeded",
    "HttpProblem",
    "HttpStatus",
    "NotAllowed",
    "NotJson",
    "NotUtf8",
    "Redirected",
    "TooLarge",
    "Unreachable",
    "allowed",
    "is_loopback",
    "parse_target",
    "request_json",
]

DEFAULT_DEADLINE = 20.0
"""Seconds for one whole request, from name lookup to the last byte of the answer."""
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
"""The largest answer accepted (8 MiB): a page of 100 reviews is about 300 KiB."""
_CHUNK = 64 * 1024


class HttpProblem(Exception):
    """The request failed; ``status`` is the HTTP status when the server answered one."""

    status: int | None = None

    def __init__(self, zh: str, en: str, status: int | None = None) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en
        self.status = status

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class NotAllowed(HttpProblem):
    """The URL is not https (or loopback http), or carries a user name or password."""


class Unreachable(HttpProblem):
    """No answer: the name does not resolve, the connection or the TLS handshake failed."""


class DeadlineExceeded(HttpProblem):
    """The whole request took longer than its deadline."""


class Redirected(HttpProblem):
    """A 3xx answer; ``location_host`` is where it pointed (not followed)."""

    def __init__(self, zh: str, en: str, status: int, location_host: str) -> None:
        super().__init__(zh, en, status)
        self.location_host = location_host


class HttpStatus(HttpProblem):
    """An answer with a status other than 2xx or 3xx."""


class TooLarge(HttpProblem):
    """The answer is larger than the cap."""


class BadAnswer(HttpProblem):
    """The answer is not well-formed HTTP."""


class NotUtf8(BadAnswer):
    """The answer's body is not UTF-8."""


class NotJson(BadAnswer):
    """The answer's body is not JSON."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent in the request line."""


def parse_target(url: str) -> Target:
    """The parts of an allowed URL; raises NotAllowed (the message names the host only)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:
        raise NotAllowed("地址格式不对", "the URL is malformed") from exc
    if parts.username is not None or parts.password is not None:
        raise NotAllowed(
            f"地址不得包含用户名或密码（{host}）",
            f"the URL must not carry a user or password ({host})",
        )
    if not host:
        raise NotAllowed("地址缺少主机名", "the URL has no host")
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        raise NotAllowed(
            f"必须是 https 地址（{parts.scheme or '无协议'}://{host}）；http 仅限本机地址",
            f"must be an https URL ({parts.scheme or 'no scheme'}://{host}); "
            "plain http only for loopback hosts",
        )
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, host, port or default, path)


def allowed(url: str) -> bool:
    try:
        parse_target(url)
    except NotAllowed:
        return False
    return True


def _read_body(resp: http.client.HTTPResponse, host: str, max_bytes: int) -> bytes:
    too_large = TooLarge(
        f"{host} 的应答超过 {max_bytes} 字节上限", f"the answer of {host} exceeds {max_bytes} bytes"
    )
    length = resp.getheader("Content-Length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = resp.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise too_large
        chunks.append(chunk)


def _decode(raw: bytes, host: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8(
            f"{host} 的应答不是 UTF-8 文本（第 {exc.start} 字节）",
            f"the answer of {host} is not UTF-8 (byte {exc.start})",
        ) from exc
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotJson(f"{host} 的应答不是 JSON", f"the answer of {host} is not JSON") from exc


def request_json(
    url: str,
    headers: Mapping[str, str],
    body: Any = None,
    *,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """GET (or POST ``body`` as JSON) and decode the JSON answer (None for an empty body).

    ``headers`` (a token, say) go to the URL's own host only: redirects are not followed.
    Raises an HttpProblem subclass for every failure.
    """
    target = parse_target(url)
    host = target.host
    clock = Clock(deadline)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = {"Accept-Encoding": "identity", **headers}
    if data is not None:
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    conn: http.client.HTTPConnection | None = None
    resp: http.client.HTTPResponse | None = None
    try:
        sock = open_socket(target.scheme, host, target.port, clock)
        conn_class = http.client.HTTPSConnection if target.scheme == "https" else None
        conn = (conn_class or http.client.HTTPConnection)(host, target.port)
        conn.sock = sock  # connected (and tunnelled, and TLS-checked) above
        conn.response_class = response_class(clock)
        sock.settimeout(clock.left())  # sendall: the timeout bounds the whole send
        conn.request("POST" if data is not None else "GET", target.path, data, all_headers)
        resp = conn.getresponse()
        if 300 <= resp.status < 400:
            where = urllib.parse.urljoin(url, resp.getheader("Location") or "")
            try:
                to = urllib.parse.urlsplit(where).hostname or host
            except ValueError:
                to = "?"
            raise Redirected(
                f"{host} 返回 {resp.status}，重定向到 {to}：不跟随重定向，请直接配置最终地址",
                f"{host} answered {resp.status}, a redirect to {to}: redirects are not "
                "followed; configure the final address",
                resp.status,
                to,
            )
        if not 200 <= resp.status < 300:
            raise HttpStatus(
                f"{host} 返回 {resp.status}", f"{host} answered {resp.status}", resp.status
            )
        raw = _read_body(resp, host, max_bytes)
    except (Expired, TimeoutError) as exc:
        raise DeadlineExceeded(
            f"{host} 未在 {deadline:g} 秒内完成应答", f"{host} did not answer within {deadline:g} s"
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise Unreachable(
            f"{host} 的 TLS 证书无效（{exc.verify_message}）",
            f"the TLS certificate of {host} is not valid ({exc.verify_message})",
        ) from exc
    except (http.client.HTTPException, ssl.SSLError) as exc:
        raise BadAnswer(
            f"{host} 的应答不是有效的 HTTP（{type(exc).__name__}）",
            f"the answer of {host} is not valid HTTP ({type(exc).__name__})",
        ) from exc
    except ProxyProblem as exc:
        raise Unreachable(exc.zh, exc.en) from exc
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise Unreachable(f"无法连接 {host}（{why}）", f"cannot reach {host} ({why})") from exc
    finally:
        if resp is not None:
            resp.close()
        if conn is not None:
            conn.close()
    return _decode(raw, host)
