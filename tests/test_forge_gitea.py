"""``kesu verify-approvals --forge gitea``: Gitea / Forgejo pull-request reviews. Neither can be
reached from here: the API answers are files written in Gitea's documented shapes
(``tests/cases/gitea_api/README.md``), replayed on 127.0.0.1."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.change.reviews import ReviewsError, verify
from generator.cli.main import build_parser
from generator.forge.gitea import fetch_pull
from tests import test_workflows_lint as wl
from tests.conftest import CASES, REPO
from tests.forge_replay import Route, serving
from tests.test_check_gitrepo import PlayRepo
from tests.test_reviews import GM_CLOSURE, HEAD, PEOPLE, _claim, _close_0002

TOKEN = "gitea-test-token"
PULL = "/api/v1/repos/example-org/complaints/pulls/12"


def _route(scenario: str) -> Route:
    folder = CASES / "gitea_api" / scenario

    def route(path: str, headers: dict[str, str]) -> Path | None:
        if headers.get("authorization") != f"token {TOKEN}":
            return None
        parts = urlsplit(path)
        if parts.path == PULL:
            return folder / "pull.json"
        if parts.path == f"{PULL}/reviews":
            query = parse_qs(parts.query)
            assert query["limit"] == ["50"]
            file = folder / f"reviews-{query['page'][0]}.json"
            return file if file.is_file() else CASES / "gitlab_api" / "empty.json"
        return None

    return route


@pytest.mark.parametrize(
    ("scenario", "code", "message"),
    [
        ("approved", None, ""),
        ("stale", "approval-stale", "reviewed the older commit 2f3c8a1; the PR changed since"),
        ("dismissed", "approval-unreviewed", "(now: DISMISSED)"),
        ("changes-requested", "approval-unreviewed", "(now: CHANGES_REQUESTED)"),
        ("pending", "approval-unreviewed", "has no APPROVED review by @qian-zhiyuan"),
    ],
)
def test_gm_closure_against_gitea_reviews(scenario: str, code: str | None, message: str) -> None:
    with serving(_route(scenario)) as api:
        pull = fetch_pull(f"{api.url}/api/v1", "example-org/complaints", 12, TOKEN)
    assert pull.head_sha == HEAD
    diags, proven = verify([_claim(GM_CLOSURE)], pull, PEOPLE, "gitea")
    if code is None:
        assert not diags and len(proven) == 1
    else:
        assert [d.code for d in diags] == [code]
        assert message in diags[0].message_en
    if scenario == "pending":  # an approval by a deleted account is nobody's: noted, skipped
        assert [s.review_id for s in pull.skipped] == [35]


def test_a_rejection_is_a_request_for_changes() -> None:
    with serving(_route("changes-requested")) as api:
        pull = fetch_pull(f"{api.url}/api/v1", "example-org/complaints", 12, TOKEN)
    rejected = {**GM_CLOSURE, "decision": "rejected"}
    diags, proven = verify([_claim(rejected)], pull, PEOPLE, "gitea")
    assert not diags and "CHANGES_REQUESTED" in proven[0]


def test_bad_token_and_malformed_answers_are_reviews_errors() -> None:
    with serving(_route("approved")) as api:
        with pytest.raises(ReviewsError) as err:
            fetch_pull(f"{api.url}/api/v1", "example-org/complaints", 12, "wrong")
        assert "Gitea API answered 404" in err.value.en

    def broken(path: str, headers: dict[str, str]) -> Path | None:
        if "/reviews" in path:
            return CASES / "gitea_api" / "approved" / "pull.json"  # an object, not a list
        return CASES / "gitea_api" / "approved" / "pull.json"

    with serving(broken) as api, pytest.raises(ReviewsError) as err:
        fetch_pull(f"{api.url}/api/v1", "example-org/complaints", 12, TOKEN)
    assert err.value.en == "Unexpected Gitea API answer: reviews page 1: not a list"


@pytest.mark.parametrize(("scenario", "code"), [("approved", 0), ("stale", 1)])
def test_kesu_verify_approvals_in_gitea_actions(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    code: int,
) -> None:
    """Gitea Actions sets GitHub's variables (GITHUB_API_URL is the server's /api/v1) and
    GITEA_ACTIONS=true, so the workflow's command line is the same as on GitHub."""
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}), encoding="utf-8")
    with serving(_route(scenario)) as api:
        for key, value in (
            ("GITEA_ACTIONS", "true"),
            ("GITHUB_API_URL", f"{api.url}/api/v1"),
            ("GITHUB_REPOSITORY", "example-org/complaints"),
            ("GITHUB_EVENT_PATH", str(event)),
            ("GITEA_TOKEN", TOKEN),
        ):
            monkeypatch.setenv(key, value)
        got, out, err = play.run("verify-approvals", "--base", "main", "--format", "github")
    assert got == code, out + err
    if code:
        assert "title=kesu approval-stale" in out
    else:
        assert "::notice" in out


GITEA_PR = REPO / ".ci" / "gitea" / "pull-request.yml"


def test_the_gitea_variant_keeps_the_github_rules() -> None:
    """The replacement for pull-request.yml and approvals.yml: least privilege, pinned
    actions, the pull request only as data to the base's judge (the same checks as the GitHub
    workflows), statuses through Gitea's API, approvals read from Gitea."""
    wl.test_least_privilege_and_pinned(GITEA_PR)
    wl.test_a_pull_request_is_data_to_the_judge(GITEA_PR)
    text = GITEA_PR.read_text(encoding="utf-8")
    assert "gh api" not in text and ".ci/commit-status " not in text
    assert "commit-status-gitea" in text and "workflow_run" not in wl._triggers(wl._load(GITEA_PR))
    parser = build_parser()
    doc = (REPO / "docs" / "forge-gitea.md").read_text(encoding="utf-8")
    commands = wl._kesu_commands(GITEA_PR)
    assert any("--forge gitea" in c for c in commands)
    for command in commands:
        args = shlex.split(
            command.replace('"$BASE_SHA"', "origin/main").replace('"$PR_NUMBER"', "7")
        )[1:]
        parser.parse_args(args)
        assert command in doc, f"docs/forge-gitea.md should show `{command}`"


def test_init_forge_gitea_writes_runnable_workflows(tmp_path: Path) -> None:
    from generator.cli.initrepo import GITEA_UNCHANGED, start

    started = start(tmp_path / "c", "000", with_git=False, kesu_spec="kesu==0.1.0", forge="gitea")
    root = started.root
    assert not (root / ".github").exists()
    workflows = root / ".gitea" / "workflows"
    assert sorted(p.name for p in workflows.iterdir()) == sorted(
        [*GITEA_UNCHANGED, "pull-request.yml"]
    )
    for name in GITEA_UNCHANGED:  # "runs unchanged": byte for byte GitHub's
        assert (workflows / name).read_bytes() == (
            REPO / ".github" / "workflows" / name
        ).read_bytes()
    assert (root / ".ci" / "commit-status-gitea").is_file()
    owners = (root / ".gitea" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "/.gitea/" in owners and "/.github/" not in owners


def test_the_gitea_variant_is_zizmor_clean() -> None:
    exe = Path(sys.executable).parent / "zizmor"
    if not exe.is_file():
        wl._missing("zizmor")
        return
    proc = subprocess.run(
        [
            str(exe),
            "--offline",
            "--no-progress",
            "--persona=pedantic",
            "--format=plain",
            str(GITEA_PR),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
