"""JSON over HTTPS with urllib and a timeout: the GitHub API and the chat robots.

Plain ``http`` is allowed for loopback addresses only, where the tests run their stand-in
servers; every other URL must be ``https``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class HttpProblem(Exception):
    """The request failed: ``status`` is the HTTP status, or None when there was no answer."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def allowed(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)


def request_json(url: str, headers: Mapping[str, str], timeout: float, body: Any = None) -> Any:
    """GET (or POST ``body`` as JSON) and decode the JSON answer; raises HttpProblem."""
    if not allowed(url):
        raise HttpProblem(None, "not an https URL")
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = dict(headers)
    if data is not None:
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - checked
            raw = resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        raise HttpProblem(exc.code, str(exc.reason)) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise HttpProblem(None, str(getattr(exc, "reason", exc))) from exc
    try:
        return json.loads(raw or "null")
    except ValueError as exc:
        raise HttpProblem(None, "the answer is not JSON") from exc
