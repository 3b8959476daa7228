"""A socket to a host within one deadline: name lookup, connect, proxy tunnel, TLS handshake
and every read of the answer wait at most until the same instant on the monotonic clock.

:mod:`generator.net.httpjson` builds its requests on this; ``Expired`` says the deadline passed.
An ``https_proxy`` / ``HTTPS_PROXY`` from the environment is used through ``CONNECT``, as urllib
did (``no_proxy`` is honoured); loopback hosts never go through a proxy.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import select
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from typing import Any

LOOPBACK = frozenset({"localhost"})
"""Host names taken as loopback besides literal loopback addresses (127.0.0.0/8, ::1)."""
_MAX_PROXY_HEAD = 64 * 1024


class ProxyProblem(OSError):
    """The proxy is unusable or refused the tunnel (Chinese and English text)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Expired(Exception):
    """The deadline passed inside a read (turned into DeadlineExceeded with the host)."""


class Clock:
    """One deadline, ``seconds`` from now on the monotonic clock."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise Expired
        return remaining


class DeadlineReader(io.RawIOBase):
    """Socket reads that each wait at most until the request's deadline."""

    def __init__(self, sock: socket.socket, clock: Clock) -> None:
        self._sock, self._clock = sock, clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._clock.left())
        try:
            return self._sock.recv_into(buffer)
        except TimeoutError as exc:
            raise Expired from exc


def response_class(clock: Clock) -> type[http.client.HTTPResponse]:
    class Response(http.client.HTTPResponse):
        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            # http.client's own file object is kept open but unread: it holds the socket open
            # after the connection lets go of it (``Connection: close``) until this closes.
            self._holder = self.fp
            self.fp = io.BufferedReader(DeadlineReader(sock, clock))

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._holder.close()

    return Response


def _resolve(host: str, port: int, clock: Clock) -> list[Any]:
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
        raise Expired
    if "error" in found:
        raise found["error"]
    addresses: list[Any] = found["ok"]
    return addresses


def _connect(host: str, port: int, clock: Clock) -> socket.socket:
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
    sock: socket.socket, proxy: urllib.parse.SplitResult, host: str, port: int, clock: Clock
) -> None:
    """``CONNECT host:port`` through an http proxy; the answer's head is read with the
    deadline like any other."""
    lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}"]
    if proxy.username is not None:
        pair = (
            f"{urllib.parse.unquote(proxy.username)}:{urllib.parse.unquote(proxy.password or '')}"
        )
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
    sock.settimeout(clock.left())
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    reader = DeadlineReader(sock, clock)
    head = b""
    while b"\r\n\r\n" not in head:
        one = bytearray(1)  # byte by byte: nothing of the tunnelled stream is read ahead
        if reader.readinto(one) == 0 or len(head) > _MAX_PROXY_HEAD:
            raise ProxyProblem("代理服务器断开了连接", "the proxy closed the connection")
        head += bytes(one)
    status = head.split(b"\r\n", 1)[0].split(b" ")
    if len(status) < 2 or status[1] != b"200":
        shown = status[1].decode("latin-1", "replace")[:3] if len(status) > 1 else "?"
        raise ProxyProblem(
            f"代理服务器拒绝连接 {host}（{shown}）",
            f"the proxy refused to connect to {host} ({shown})",
        )


def _proxy_for(scheme: str, host: str) -> urllib.parse.SplitResult | None:
    if scheme != "https" or is_loopback(host):
        return None
    url = urllib.request.getproxies().get("https")
    if not url or urllib.request.proxy_bypass(host):
        return None
    proxy = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if proxy.scheme != "http" or not proxy.hostname:
        raise ProxyProblem(
            f"不支持的代理地址（{proxy.scheme}://{proxy.hostname}）：请用 http://主机:端口",
            f"unsupported proxy ({proxy.scheme}://{proxy.hostname}): use http://host:port",
        )
    return proxy


def _handshake(sock: socket.socket, host: str, clock: Clock) -> ssl.SSLSocket:
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


def open_socket(scheme: str, host: str, port: int, clock: Clock) -> socket.socket:
    """A socket connected to ``host`` (through the environment's proxy, if any), TLS-checked
    for ``https``; every step waits at most until ``clock``'s deadline (else Expired)."""
    proxy = _proxy_for(scheme, host)
    if proxy is not None:
        sock = _connect(proxy.hostname or "", proxy.port or 8080, clock)
        try:
            _tunnel(sock, proxy, host, port, clock)
        except BaseException:
            sock.close()
            raise
    else:
        sock = _connect(host, port, clock)
    if scheme != "https":
        return sock
    try:
        return _handshake(sock, host, clock)
    except BaseException:
        sock.close()
        raise
