"""Approvals a pull request adds must match reviews on it (GitHub API, replayed locally)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.config import Person
from generator.load import LoadedFile
from generator.reviews import (
    Claim,
    PullRequest,
    Review,
    ReviewsError,
    claims_added,
    fetch_pull,
    latest_states,
    verify,
)
from tests.conftest import CASES
from tests.test_check_gitrepo import PlayRepo

API = CASES / "github_api"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
TOKEN = "test-token"
PEOPLE = (
    Person("钱志远", "qian-zhiyuan", ("gm",)),
    Person("周建华", "zhou-jianhua", ("quality_manager",)),
    Person("吴强", None, ("manager",)),
)
GM_CLOSURE = {"role": "gm", "name": "钱志远", "date": "2025-02-21", "decision": "approved",
              "subject": "closure"}  # fmt: skip


class Api:
    """A local stand-in for api.github.com serving one scenario folder."""

    def __init__(self) -> None:
        self.scenario = "approved"
        self.requests: list[dict[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                status, body = api.answer(self.path, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, auth: str | None) -> tuple[int, Any]:
        if auth != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        parts = urlsplit(path)
        folder = API / self.scenario
        if parts.path == "/repos/example-org/complaints/pulls/12":
            return 200, json.loads((folder / "pull.json").read_text(encoding="utf-8"))
        if parts.path == "/repos/example-org/complaints/pulls/12/reviews":
            page = parse_qs(parts.query).get("page", ["1"])[0]
            file = folder / f"reviews-{page}.json"
            return 200, json.loads(file.read_text(encoding="utf-8")) if file.is_file() else []
        return 404, {"message": "Not Found"}


@pytest.fixture
def api() -> Iterator[Api]:
    server = Api()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


def _claim(entry: dict[str, Any], index: int = 0) -> Claim:
    lf = LoadedFile(Path("records/KS-2025-0002.yaml"), "records/KS-2025-0002.yaml",
                    {"approvals": [entry]}, None, ())  # fmt: skip
    return Claim(lf, index, entry)


@pytest.mark.parametrize(
    ("scenario", "code", "message"),
    [
        ("approved", None, ""),
        ("paginated", None, ""),
        ("commented-after-approval", None, ""),
        ("stale", "approval-stale", "reviewed the older commit 2f3c8a1; the PR changed since"),
        ("dismissed", "approval-unreviewed", "has no APPROVED review by @qian-zhiyuan (now: DISMISSED)"),
        ("wrong-person", "approval-unreviewed", "has no APPROVED review by @qian-zhiyuan"),
        ("changes-requested", "approval-unreviewed", "(now: CHANGES_REQUESTED)"),
    ],
)  # fmt: skip
def test_gm_closure_against_recorded_reviews(api: Api, scenario: str, code: str | None,
                                             message: str) -> None:  # fmt: skip
    api.scenario = scenario
    pull = fetch_pull(api.url, "example-org/complaints", 12, TOKEN)
    assert pull.head_sha == HEAD
    diags, proven = verify([_claim(GM_CLOSURE)], pull, PEOPLE)
    if code is None:
        assert diags == []
        assert proven == [
            "KS-2025-0002 approvals[0] (gm 钱志远: approved closure) ↔ @qian-zhiyuan APPROVED "
            "2025-02-21T08:05:11Z"
        ]
    else:
        assert [(d.code, d.field) for d in diags] == [(code, "approvals[0]")]
        assert message in diags[0].message_en
        assert "KS-2025-0002 approvals[0]" in diags[0].message_zh


def test_requests_are_authenticated_versioned_and_paginated(api: Api) -> None:
    api.scenario = "paginated"
    pull = fetch_pull(api.url, "example-org/complaints", 12, TOKEN)
    assert len(pull.reviews) == 101
    assert [r["path"] for r in api.requests] == [
        "/repos/example-org/complaints/pulls/12",
        "/repos/example-org/complaints/pulls/12/reviews?per_page=100&page=1",
        "/repos/example-org/complaints/pulls/12/reviews?per_page=100&page=2",
    ]
    first = api.requests[0]
    assert first["x-github-api-version"] == "2022-11-28"
    assert first["accept"] == "application/vnd.github+json"


def test_rejection_needs_a_change_request(api: Api) -> None:
    api.scenario = "changes-requested"
    pull = fetch_pull(api.url, "example-org/complaints", 12, TOKEN)
    rejected = {**GM_CLOSURE, "decision": "rejected"}
    assert verify([_claim(rejected)], pull, PEOPLE)[0] == []


def test_people_and_roles_are_checked_first() -> None:
    pull = PullRequest(12, HEAD, (Review("zhou-jianhua", "APPROVED", HEAD, "t"),))
    as_gm = {**GM_CLOSURE, "name": "周建华"}
    no_login = {**GM_CLOSURE, "role": "manager", "name": "吴强"}
    stranger = {**GM_CLOSURE, "name": "赵六"}
    diags, _ = verify([_claim(as_gm), _claim(no_login), _claim(stranger)], pull, PEOPLE)
    assert [d.code for d in diags] == ["approval-role", "approval-unknown-person",
                                       "approval-unknown-person"]  # fmt: skip
    assert "周建华 (@zhou-jianhua) does not have the gm role" in diags[0].message_en
    assert "在 kesu.yaml 的 people 中加上 吴强 的 login" in diags[1].hint_zh


def test_http_errors_are_reviews_errors(api: Api) -> None:
    with pytest.raises(ReviewsError, match="answered 401"):
        fetch_pull(api.url, "example-org/complaints", 12, "wrong")
    with pytest.raises(ReviewsError, match="answered 404"):
        fetch_pull(api.url, "example-org/complaints", 99, TOKEN)
    with pytest.raises(ReviewsError, match="must be https"):
        fetch_pull("http://api.example.com", "example-org/complaints", 12, TOKEN)


def test_latest_state_ignores_comments() -> None:
    reviews = [Review("A", "APPROVED", HEAD, "1"), Review("a", "COMMENTED", HEAD, "2"),
               Review("b", "APPROVED", HEAD, "1"), Review("b", "CHANGES_REQUESTED", HEAD, "2")]  # fmt: skip
    assert {k: v.state for k, v in latest_states(reviews).items()} == {
        "a": "APPROVED", "b": "CHANGES_REQUESTED"}  # fmt: skip


def test_only_added_approvals_are_claims() -> None:
    old = {"approvals": [{"role": "manager", "name": "吴强", "date": "2025-01-16",
                          "decision": "approved", "subject": "reply"}]}  # fmt: skip
    new = LoadedFile(Path("r.yaml"), "records/r.yaml", {"approvals": [*old["approvals"], GM_CLOSURE]},
                     None, ())  # fmt: skip
    assert [(c.index, c.entry["role"]) for c in claims_added(new, old)] == [(1, "gm")]
    assert len(claims_added(new, None)) == 2


def _close_0002(play: PlayRepo) -> None:
    def close(d: dict[str, Any]) -> None:
        d["status"] = "closed"
        d["d8_closure"] = {"closed_at": "2025-02-21 16:00", "final_report_at": "2025-01-16 17:30",
                           "customer_accepted": True}  # fmt: skip
        d["approvals"].append(dict(GM_CLOSURE))

    play.branch("ks/close-0002")
    play.edit("KS-2025-0002", close)
    play.commit("KS-2025-0002: close")


@pytest.mark.parametrize(("scenario", "code"), [("approved", 0), ("stale", 1)])
def test_kesu_verify_approvals_on_a_played_pull_request(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, scenario: str, code: int,
) -> None:  # fmt: skip
    api.scenario = scenario
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}), encoding="utf-8")
    for key, value in (("GITHUB_TOKEN", TOKEN), ("GITHUB_REPOSITORY", "example-org/complaints"),
                       ("GITHUB_API_URL", api.url), ("GITHUB_EVENT_PATH", str(event))):  # fmt: skip
        monkeypatch.setenv(key, value)
    got, out, err = play.run("verify-approvals", "--base", "main", "--format", "github")
    assert got == code, out + err
    assert "records/KS-2025-0002.yaml" in out if code else "::notice" in out
    if code:
        assert "::error file=records/KS-2025-0002.yaml,line=" in out
        assert "title=kesu approval-stale" in out


def test_nothing_to_verify_needs_no_token(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("notes")
    play.edit("KS-2025-0003", lambda d: d.update(notes="补充"))
    assert play.run("verify-approvals", "--base", "main")[:2] == (
        0, "No approvals added; nothing to verify.\n")  # fmt: skip
