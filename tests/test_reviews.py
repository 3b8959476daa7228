"""Approvals a pull request adds must match reviews on it (GitHub API, replayed locally)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from generator.change import reviews
from generator.change.reviews import (
    Claim,
    PullRequest,
    Review,
    ReviewsError,
    claims_added,
    fetch_pull,
    latest_states,
    skipped_notes,
    verify,
)
from generator.config.settings import Person
from generator.load.discover import LoadedFile
from tests.conftest import CASES
from tests.http_servers import Answer, Seen, Server, json_answer, redirect
from tests.test_check_gitrepo import PlayRepo

API = CASES / "github_api"
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
TOKEN = "test-token"
PEOPLE = (
    Person("钱志远", "qian-zhiyuan", ("gm",)),
    Person("周建华", "zhou-jianhua", ("quality_manager",)),
    Person("吴强", None, ("manager",)),
)
GM_CLOSURE = {
    "role": "gm",
    "name": "钱志远",
    "date": "2025-02-21",
    "decision": "approved",
    "subject": "closure",
}


class Api:
    """A local stand-in for api.github.com serving one scenario folder."""

    def __init__(self) -> None:
        self.scenario = "approved"
        self.requests: list[dict[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(
                    {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
                )
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
    lf = LoadedFile(
        Path("records/KS-2025-0002.yaml"),
        "records/KS-2025-0002.yaml",
        {"approvals": [entry]},
        None,
        (),
    )
    return Claim(lf, index, entry)


@pytest.mark.parametrize(
    ("scenario", "code", "message"),
    [
        ("approved", None, ""),
        ("paginated", None, ""),
        ("commented-after-approval", None, ""),
        ("stale", "approval-stale", "reviewed the older commit 2f3c8a1; the PR changed since"),
        (
            "dismissed",
            "approval-unreviewed",
            "has no APPROVED review by @qian-zhiyuan (now: DISMISSED)",
        ),
        ("wrong-person", "approval-unreviewed", "has no APPROVED review by @qian-zhiyuan"),
        ("changes-requested", "approval-unreviewed", "(now: CHANGES_REQUESTED)"),
    ],
)
def test_gm_closure_against_recorded_reviews(
    api: Api, scenario: str, code: str | None, message: str
) -> None:
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
    assert [d.code for d in diags] == [
        "approval-role",
        "approval-unknown-person",
        "approval-unknown-person",
    ]
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
    reviews = [
        Review("A", "APPROVED", HEAD, "1"),
        Review("a", "COMMENTED", HEAD, "2"),
        Review("b", "APPROVED", HEAD, "1"),
        Review("b", "CHANGES_REQUESTED", HEAD, "2"),
    ]
    assert {k: v.state for k, v in latest_states(reviews).items()} == {
        "a": "APPROVED",
        "b": "CHANGES_REQUESTED",
    }


def test_only_added_approvals_are_claims() -> None:
    old = {
        "approvals": [
            {
                "role": "manager",
                "name": "吴强",
                "date": "2025-01-16",
                "decision": "approved",
                "subject": "reply",
            }
        ]
    }
    new = LoadedFile(
        Path("r.yaml"), "records/r.yaml", {"approvals": [*old["approvals"], GM_CLOSURE]}, None, ()
    )
    assert [(c.index, c.entry["role"]) for c in claims_added(new, old)] == [(1, "gm")]
    assert len(claims_added(new, None)) == 2


def _close_0002(play: PlayRepo) -> None:
    def close(d: dict[str, Any]) -> None:
        d["status"] = "closed"
        d["d8_closure"] = {
            "closed_at": "2025-02-21 16:00",
            "final_report_at": "2025-01-16 17:30",
            "customer_accepted": True,
        }
        d["approvals"].append(dict(GM_CLOSURE))

    play.branch("ks/close-0002")
    play.edit("KS-2025-0002", close)
    play.commit("KS-2025-0002: close")


@pytest.mark.parametrize(("scenario", "code"), [("approved", 0), ("stale", 1)])
def test_kesu_verify_approvals_on_a_played_pull_request(
    api: Api,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    code: int,
) -> None:
    api.scenario = scenario
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}), encoding="utf-8")
    for key, value in (
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_REPOSITORY", "example-org/complaints"),
        ("GITHUB_API_URL", api.url),
        ("GITHUB_EVENT_PATH", str(event)),
    ):
        monkeypatch.setenv(key, value)
    got, out, err = play.run("verify-approvals", "--base", "main", "--format", "github")
    assert got == code, out + err
    assert "records/KS-2025-0002.yaml" in out if code else "::notice" in out
    if code:
        assert "::error file=records/KS-2025-0002.yaml,line=" in out
        assert "title=kesu approval-stale" in out


def test_nothing_to_verify_needs_no_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("notes")
    play.edit("KS-2025-0003", lambda d: d.update(notes="补充"))
    assert play.run("verify-approvals", "--base", "main")[:2] == (
        0,
        "No approvals added; nothing to verify.\n",
    )


# ------------------------------------------------------------------ hostile or odd API answers


def _item(login: str | None, state: str = "APPROVED", commit: Any = HEAD, **extra: Any) -> Any:
    user = None if login is None else {"login": login, "id": 1, "type": "User"}
    return {
        "id": 90,
        "user": user,
        "state": state,
        "commit_id": commit,
        "submitted_at": "2025-02-21T08:05:11Z",
        **extra,
    }


def github(pull: Any, pages: list[Any]) -> Callable[[Seen], Answer]:
    """A stand-in for the two API resources kesu reads, answering ``pages`` of reviews."""

    def respond(seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return json_answer({"message": "Bad credentials"}, 401)
        parts = urlsplit(seen.path)
        if parts.path == "/repos/example-org/complaints/pulls/12":
            return json_answer(pull)
        if parts.path == "/repos/example-org/complaints/pulls/12/reviews":
            page = int(parse_qs(parts.query)["page"][0])
            return json_answer(pages[page - 1] if page <= len(pages) else [])
        return json_answer({"message": "Not Found"}, 404)

    return respond


PULL = {"number": 12, "head": {"sha": HEAD}}


@pytest.mark.parametrize(
    ("pull", "pages", "message"),
    [
        (PULL, [{"message": "oops"}], "reviews page 1: not a list"),
        (PULL, [["APPROVED"]], "reviews page 1, item 1: not an object"),
        (PULL, [[_item("a"), {**_item("b"), "state": None}]], "item 2: state is missing"),
        (PULL, [[{k: v for k, v in _item("a").items() if k != "state"}]], "state is missing"),
        (PULL, [[{**_item("a"), "user": {"login": 7}}]], "user.login is missing or not text"),
        (PULL, [[{**_item("a"), "user": {}}]], "user.login is missing or not text"),
        (PULL, [[{k: v for k, v in _item("a").items() if k != "user"}]], "user.login is missing"),
        (PULL, [[{**_item("a"), "user": "qian-zhiyuan"}]], "user.login is missing"),
        (PULL, [[_item("a", commit=12345)]], "commit_id is not text"),
        (PULL, [[_item("a", submitted_at=20250221)]], "submitted_at is not text"),
        ({"number": 12}, [], "pull request #12: head.sha is missing or not text"),
        ({"head": {"sha": None}}, [], "head.sha is missing"),
        ([PULL], [], "head.sha is missing"),
        (None, [], "head.sha is missing"),
    ],
)
def test_malformed_answers_are_reviews_errors(pull: Any, pages: list[Any], message: str) -> None:
    with Server(github(pull, pages)) as srv, pytest.raises(ReviewsError) as info:
        fetch_pull(srv.url, "example-org/complaints", 12, TOKEN)
    assert message in info.value.en
    assert "GitHub API 的应答格式不对" in info.value.zh


def test_a_deleted_account_is_skipped_and_noted() -> None:
    ghost = _item(None, "APPROVED", id=77)
    with Server(github(PULL, [[ghost, _item("qian-zhiyuan")]])) as srv:
        pull = fetch_pull(srv.url, "example-org/complaints", 12, TOKEN)
    assert [r.login for r in pull.reviews] == ["qian-zhiyuan"]
    assert skipped_notes(pull, "en") == [
        "Review 77 (APPROVED 2025-02-21T08:05:11Z) by a deleted account was skipped"
    ]
    assert skipped_notes(pull, "zh") == [
        "已跳过已删除账号的评审 77（APPROVED 2025-02-21T08:05:11Z）"
    ]
    assert verify([_claim(GM_CLOSURE)], pull, PEOPLE)[0] == []


def test_pagination_is_bounded_and_never_half_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reviews, "MAX_PAGES", 3)
    full = [_item(f"u{i}", "COMMENTED") for i in range(100)]
    with Server(github(PULL, [full] * 5)) as srv, pytest.raises(ReviewsError) as info:
        fetch_pull(srv.url, "example-org/complaints", 12, TOKEN)
    assert "has more than 300 reviews; they cannot all be read, so nothing is verified" in str(
        info.value.en
    )
    assert len(srv.requests) == 1 + 3  # the pull request, then three pages: no more
    with Server(github(PULL, [full] * 3)) as srv:  # exactly full pages, then an empty one
        monkeypatch.setattr(reviews, "MAX_PAGES", 4)
        assert len(fetch_pull(srv.url, "example-org/complaints", 12, TOKEN).reviews) == 300


def test_an_api_redirect_is_not_followed_and_the_token_stays_home() -> None:
    with Server(lambda _: json_answer(PULL)) as thief:
        elsewhere = f"http://localhost:{thief.port}/steal"
        with Server(lambda _: redirect(elsewhere, 301)) as api, pytest.raises(ReviewsError) as info:
            fetch_pull(api.url, "example-org/complaints", 12, TOKEN)
    assert thief.requests == []
    assert "a redirect to localhost: redirects are not followed" in info.value.en
    assert "重定向到 localhost" in info.value.zh


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(200, b"\xff\xfe{}"), "is not UTF-8"),
        (Answer(200, b"{"), "is not JSON"),
        (Answer(200, b"[" + b"0," * 5000 + b"0]", length=False), "exceeds 1024 bytes"),
    ],
)
def test_bad_bodies_are_reviews_errors(answer: Answer, message: str) -> None:
    with Server(lambda _: answer) as srv, pytest.raises(ReviewsError) as info:
        reviews.get_json(srv.url, TOKEN, max_bytes=1024)
    assert message in info.value.en
    assert info.value.en.startswith(f"GitHub API request failed: {srv.url}: ")


def test_a_drip_feeding_api_is_cut_at_the_deadline() -> None:
    answer = Answer(200, b"[" + b"1," * 2000 + b"1]", drip=0.05, drip_body_only=True)
    with Server(lambda _: answer) as srv, pytest.raises(ReviewsError) as info:
        fetch_pull(srv.url, "example-org/complaints", 12, TOKEN, deadline=0.3)
    assert "did not answer within 0.3 s" in info.value.en


# ------------------------------------------------------------------ the CLI, judged by the base


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, **event: Any) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"pull_request": {"number": 12, **event}}), encoding="utf-8")
    for key, value in (
        ("GITHUB_TOKEN", TOKEN),
        ("GITHUB_REPOSITORY", "example-org/complaints"),
        ("GITHUB_API_URL", url),
        ("GITHUB_EVENT_PATH", str(path)),
    ):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)


def _remap(play: PlayRepo, old: str, new: str) -> None:
    cfg = play.root / "kesu.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("remap", "name", "code", "message"),
    [
        # the author maps 钱志远 (the GM) to their own login, and approves themselves
        (
            ("login: qian-zhiyuan", "login: wang-lei"),
            "钱志远",
            "approval-unreviewed",
            "has no APPROVED review by @qian-zhiyuan",
        ),
        # the author gives themselves the gm role, and writes the closure in their own name
        (
            ("roles: [qe]", "roles: [qe, gm]"),
            "王磊",
            "approval-role",
            "王磊 (@wang-lei) does not have the gm role",
        ),
    ],
)
def test_people_remapped_by_the_pull_request_do_not_verify(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    remap: tuple[str, str],
    name: str,
    code: str,
    message: str,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("ks/close-0002")
    play.edit("KS-2025-0002", lambda d: d["approvals"].append({**GM_CLOSURE, "name": name}))
    _remap(play, *remap)
    play.commit("close, judged by my own people")
    with Server(github(PULL, [[_item("wang-lei")]])) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, err = play.run("verify-approvals", "--base", "main", "--format", "json")
    assert got == 1, out + err
    doc = json.loads(out)
    assert [d["code"] for d in doc["diagnostics"]] == [code]
    assert message in doc["diagnostics"][0]["message_en"]


def test_a_person_the_pull_request_adds_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("ks/close-0002")
    play.edit("KS-2025-0002", lambda d: d["approvals"].append({**GM_CLOSURE, "name": "赵六"}))
    _remap(play, "people:\n", "people:\n  - {name: 赵六, login: wang-lei, roles: [gm]}\n")
    play.commit("a new GM")
    with Server(github(PULL, [[_item("wang-lei")]])) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, _ = play.run("verify-approvals", "--base", "main")
    assert got == 1
    assert "赵六 is not in kesu.yaml people" in out


def _append_register(play: PlayRepo, **entry: Any) -> None:
    row = {
        "date": "2025-02-21",
        "summary": "放宽 A 级 8D 回复时限",
        "role": "quality_manager",
        "name": "周建华",
        "decision": "approved",
        **entry,
    }
    path = play.root / "rule-changes.yaml"
    path.write_text(yaml.safe_dump({"changes": [row]}, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("reviews_by", "code"),
    [("zhou-jianhua", 0), ("wang-lei", 1), (None, 1)],
)
def test_rule_change_claims_need_the_named_persons_review(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    reviews_by: str | None,
    code: int,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("rules")
    _append_register(play)
    _remap(play, 'preset: "002"', 'preset: "002"\npolicy_overrides: {}')
    play.commit("a rule change, approved by the quality manager")
    page = [_item(reviews_by)] if reviews_by else []
    with Server(github(PULL, [page])) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, err = play.run("verify-approvals", "--base", "main", "--format", "github")
    assert got == code, out + err
    if code == 0:
        assert (
            "::notice title=kesu approvals::rule-changes.yaml changes[0] (quality_manager " in out
        )
        assert "↔ @zhou-jianhua APPROVED" in out
    else:
        assert "::error file=rule-changes.yaml,line=" in out
        assert "title=kesu approval-unreviewed::changes[0]: rule-changes.yaml changes[0]" in out
        assert "has no APPROVED review by @zhou-jianhua" in out


def test_the_register_person_must_hold_the_role_at_the_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("rules")
    _append_register(play, name="王磊")
    _remap(play, "roles: [qe]", "roles: [qe, quality_manager]")  # only in the change
    play.commit("approve my own rule change")
    with Server(github(PULL, [[_item("wang-lei")]])) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, _ = play.run("verify-approvals", "--base", "main", "--format", "json")
    assert got == 1
    diag = json.loads(out)["diagnostics"][0]
    assert (diag["code"], diag["file"], diag["field"]) == (
        "approval-role",
        "rule-changes.yaml",
        "changes[0]",
    )
    assert "王磊 (@wang-lei) does not have the quality_manager role" in diag["message_en"]


def test_a_malformed_register_entry_fails_without_asking_the_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("rules")
    (play.root / "rule-changes.yaml").write_text("changes:\n  - {name: 周建华}\n", "utf-8")
    got, out, _ = play.run("verify-approvals", "--base", "main")
    assert got == 1
    assert "[rule-register-entry]" in out


def test_the_base_defaults_to_the_pull_requests_base_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.git("update-ref", "refs/remotes/origin/main", "main")
    _close_0002(play)
    _remap(play, "login: qian-zhiyuan", "login: wang-lei")
    play.commit("map the GM to me")
    with Server(github(PULL, [[_item("wang-lei")]])) as srv:
        _env(monkeypatch, tmp_path, srv.url, base={"ref": "main", "sha": "0" * 40})
        got, out, err = play.run("verify-approvals", "--format", "json")
        assert got == 1, out + err  # judged by origin/main's people
        _env(monkeypatch, tmp_path, srv.url)  # an event without base: GITHUB_BASE_REF
        monkeypatch.setenv("GITHUB_BASE_REF", "main")
        assert play.run("verify-approvals", "--format", "json")[0] == 1
        monkeypatch.delenv("GITHUB_BASE_REF")
        got, _, err = play.run("verify-approvals")
    assert got == 2
    assert "needs --base (e.g. origin/main)" in err


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (json_answer([{"user": {"login": "qian-zhiyuan"}}]), "item 1: state is missing"),
        (Answer(200, b"<html>rate limited</html>"), "is not JSON"),
        (redirect("https://evil.example/x"), "a redirect to evil.example"),
    ],
)
def test_cli_api_problems_exit_2_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: Answer,
    message: str,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)

    def respond(seen: Seen) -> Answer:
        return json_answer(PULL) if seen.path.endswith("/pulls/12") else answer

    with Server(respond) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, err = play.run("verify-approvals", "--base", "main")
        got_zh, _, err_zh = play.run("verify-approvals", "--base", "main", lang="zh")
    assert (got, got_zh) == (2, 2), out + err
    assert err.startswith("kesu verify-approvals: ") and message in err
    assert "Traceback" not in err and "internal error" not in err
    assert "GitHub API" in err_zh
    assert "请求失败" in err_zh or "格式不对" in err_zh


def test_notes_cannot_inject_workflow_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("ks/close-0002")
    sneaky = {**GM_CLOSURE, "subject": "closure\n::error::forged"}
    play.edit("KS-2025-0002", lambda d: d["approvals"].append(sneaky))
    play.commit("close")
    with Server(github(PULL, [[_item("qian-zhiyuan")]])) as srv:
        _env(monkeypatch, tmp_path, srv.url)
        got, out, _ = play.run("verify-approvals", "--base", "main", "--format", "github")
    assert got == 0
    assert not any(line.startswith("::error") for line in out.splitlines())
