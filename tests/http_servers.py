"""Hostile HTTP servers on 127.0.0.1 for the tests of every HTTP caller (``generator.net.httpjson``).

``Server(respond)`` listens on a free loopback port in a thread and answers every request with
``respond(seen)``: an :class:`Answer` that can redirect, drip its bytes one at a time, send a
huge or undeclared-length body, or arbitrary bytes. Every request is kept in ``requests``
(method, path, lower-cased headers, body), so a test can assert what reached which server.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    length: bool = True
    """Send Content-Length (else the body ends when the connection closes)."""
    drip: float | None = None
    """Seconds between single bytes of the answer, status line included."""
    drip_body_only: bool = False
    """Send status line and headers at once, then drip the body."""
    declared_length: int | None = None
    """A Content-Length to announce instead of the body's (a lie about the size)."""


def json_answer(doc: Any, status: int = 200, **kw: Any) -> Answer:
    return Answer(status, json.dumps(doc, ensure_ascii=False).encode(), **kw)


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", (("Location", location),))


@dataclass
class Server:
    respond: Callable[[Seen], Answer]
    requests: list[Seen] = field(default_factory=list)
    host: str = "127.0.0.1"
    tls: tuple[Path, Path] | None = None
    """(certificate, key): serve https (see :func:`self_signed`)."""

    def __post_init__(self) -> None:
        server = self
        stop = threading.Event()
        self._stop = stop

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(size) if size else b"",
                )
                server.requests.append(seen)
                answer = server.respond(seen)
                head = [f"HTTP/1.0 {answer.status} X", *(f"{k}: {v}" for k, v in answer.headers)]
                if answer.length or answer.declared_length is not None:
                    size_text = answer.declared_length or len(answer.body)
                    head.append(f"Content-Length: {size_text}")
                raw = ("\r\n".join([*head, "Connection: close"]) + "\r\n\r\n").encode()
                try:
                    if answer.drip is None or answer.drip_body_only:
                        self.wfile.write(raw)
                        self.wfile.flush()
                        raw = b""
                    raw += answer.body
                    if answer.drip is None:
                        self.wfile.write(raw)
                        return
                    for i in range(len(raw)):
                        if stop.wait(answer.drip):
                            return
                        self.wfile.write(raw[i : i + 1])
                        self.wfile.flush()
                except OSError:  # the client hung up, as it should on a hostile answer
                    return

            do_GET = do_POST = _any

            def log_message(self, *_args: Any) -> None:
                pass

        class Quiet(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, *_args: Any) -> None:
                pass

        self.httpd = Quiet((self.host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.url = f"https://localhost:{self.port}"

    def __enter__(self) -> Server:
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(respond: Callable[[Seen], Answer]) -> Iterator[Server]:
    with Server(respond) as server:
        yield server


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and 127.0.0.1 and its key (openssl CLI; the test is
    skipped without it). Trust it with ``SSL_CERT_FILE``."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
