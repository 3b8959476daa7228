"""A local stand-in for a forge's REST API: answers GETs on 127.0.0.1 from the JSON files of
one scenario folder (``tests/cases/gitlab_api``, ``tests/cases/gitea_api``). GitLab and Gitea
cannot be reached from the test machines; the files are written in their documented shapes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Route = Callable[[str, dict[str, str]], Path | None]
"""(path with query, lower-cased headers) → the file to answer with; None: 404."""


class Replay:
    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[tuple[str, dict[str, str]]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                replay.requests.append((self.path, headers))
                file = replay.route(self.path, headers)
                status, body = (200, file.read_bytes()) if file else (404, b'{"message":"404"}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@contextmanager
def serving(route: Route) -> Iterator[Replay]:
    replay = Replay(route)
    thread = threading.Thread(target=replay.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        replay.server.shutdown()
        replay.server.server_close()


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
