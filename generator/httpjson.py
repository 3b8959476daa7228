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

An ``https_proxy`` / ``HTTPS_PROXY`` from the environment is used through ``CONNECT``, as urllib
did (``no_proxy`` is honoured); loopback hosts never go through a proxy.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import json
import select
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_DEADLINE = 20.0
"""Seconds for one whole request, from name lookup to the last byte of the answer."""
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
"""The largest answer accepted (8 MiB): a page of 100 reviews is about 300 KiB."""
LOOPBACK = frozenset({"localhost"})
"""Host names taken as loopback besides literal loopback addresses (127.0.0.0/8, ::1)."""
_CHUNK = 64 * 1024
_MAX_PROXY_HEAD = 64 * 1024


class HttpProblem(Exception):
    """The request failed; ``status`` is the HTTP status when the server answered one."""

    status: int | None = None

    def __init__(self, zh: str, en: str, status: int | None = None) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en
        self.status = status

    @property
    def reason(self) -> str:
        return self.en

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


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


class _Expired(Exception):
    """The deadline passed inside a read (turned into DeadlineExceeded with the host)."""


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise _Expired
        return remaining


class _DeadlineReader(io.RawIOBase):
    """Socket reads that each wait at most until the request's deadline."""

    def __init__(self, sock: socket.socket, clock: _Clock) -> None:
        self._sock, self._clock = sock, clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._clock.left())
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError as exc:
            raise _Expired from exc


def _response_class(clock: _Clock) -> type[http.client.HTTPResponse]:
    class Response(http.client.HTTPResponse):
        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            # http.client's own file object is kept open but unread: it holds the socket open
            # after the connection lets go of it (``Connection: close``) until this closes.
            self._holder = self.fp
            self.fp = io.BufferedReader(_DeadlineReader(sock, clock))

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._holder.close()

    return Response


def _resolve(host: str, port: int, clock: _Clock) -> list[Any]:
    """getaddrinfo has no timeout of its own: it runs in a thread that is waited for until the
    deadline (a stuck resolver is left behind; the process ends soon after)."""
    found: dict[str, Any] = {}

    def run() -> None:
        try:
            found["ok"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            found["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="kesu-resolve")
    thread.start()
    thread.join(clock.left())
    if thread.is_alive():
        raise _Expired
    if "error" in found:
        raise found["error"]
    addresses: list[Any] = found["ok"]
    return addresses


def _connect(host: str, port: int, clock: _Clock) -> socket.socket:
    last: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in _resolve(host, port, clock):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(clock.left())
            sock.connect(address)
        except TimeoutError as exc:
            sock.close()
            clock.left()  # raises when the deadline is gone; else try the next address
            last = exc
            continue
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last


def _tunnel(
    sock: socket.socket, proxy: urllib.parse.SplitResult, target: Target, clock: _Clock
) -> None:
    """``CONNECT host:port`` through an http proxy; the answer's head is read with the
    deadline like any other."""
    lines = [f"CONNECT {target.host}:{target.port} HTTP/1.1", f"Host: {target.host}:{target.port}"]
    if proxy.username is not None:
        pair = (
            f"{urllib.parse.unquote(proxy.username)}:{urllib.parse.unquote(proxy.password or '')}"
        )
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
    sock.settimeout(clock.left())
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    reader = _DeadlineReader(sock, clock)
    head = b""
    while b"\r\n\r\n" not in head:
        one = bytearray(1)  # byte by byte: nothing of the tunnelled stream is read ahead
        if reader.readinto(one) == 0 or len(head) > _MAX_PROXY_HEAD:
            raise Unreachable("代理服务器断开了连接", "the proxy closed the connection")
        head += bytes(one)
    status = head.split(b"\r\n", 1)[0].split(b" ")
    if len(status) < 2 or status[1] != b"200":
        shown = status[1].decode("latin-1", "replace")[:3] if len(status) > 1 else "?"
        raise Unreachable(
            f"代理服务器拒绝连接 {target.host}（{shown}）",
            f"the proxy refused to connect to {target.host} ({shown})",
        )


def _proxy_for(target: Target) -> urllib.parse.SplitResult | None:
    if target.scheme != "https" or is_loopback(target.host):
        return None
    url = urllib.request.getproxies().get("https")
    if not url or urllib.request.proxy_bypass(target.host):
        return None
    proxy = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if proxy.scheme != "http" or not proxy.hostname:
        raise NotAllowed(
            f"不支持的代理地址（{proxy.scheme}://{proxy.hostname}）：请用 http://主机:端口",
            f"unsupported proxy ({proxy.scheme}://{proxy.hostname}): use http://host:port",
        )
    return proxy


def _handshake(sock: socket.socket, host: str, clock: _Clock) -> ssl.SSLSocket:
    """TLS with certificate and host name checks; every wait is bounded by the deadline."""
    context = ssl.create_default_context()
    tls = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
    tls.setblocking(False)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            select.select([tls], [], [], clock.left())
        except ssl.SSLWantWriteError:
            select.select([], [tls], [], clock.left())
    tls.settimeout(clock.left())
    return tls


def _open(target: Target, clock: _Clock) -> socket.socket:
    proxy = _proxy_for(target)
    if proxy is not None:
        sock = _connect(proxy.hostname or "", proxy.port or 8080, clock)
        try:
            _tunnel(sock, proxy, target, clock)
        except BaseException:
            sock.close()
            raise
    else:
        sock = _connect(target.host, target.port, clock)
    if target.scheme != "https":
        return sock
    try:
        return _handshake(sock, target.host, clock)
    except BaseException:
        sock.close()
        raise


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
    clock = _Clock(deadline)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = {"Accept-Encoding": "identity", **headers}
    if data is not None:
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    conn: http.client.HTTPConnection | None = None
    resp: http.client.HTTPResponse | None = None
    try:
        sock = _open(target, clock)
        conn_class = http.client.HTTPSConnection if target.scheme == "https" else None
        conn = (conn_class or http.client.HTTPConnection)(host, target.port)
        conn.sock = sock  # connected (and tunnelled, and TLS-checked) above
        conn.response_class = _response_class(clock)
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
    except (_Expired, TimeoutError) as exc:
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
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise Unreachable(f"无法连接 {host}（{why}）", f"cannot reach {host} ({why})") from exc
    finally:
        if resp is not None:
            resp.close()
        if conn is not None:
            conn.close()
    return _decode(raw, host)
