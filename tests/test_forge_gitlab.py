"""GitLab merge requests as the approval workflow: ``.gitlab-ci.yml`` against GitLab's CI
schema, ``--format gitlab`` against the documented Code Quality shape, and approvals read from
GitLab's REST API. GitLab cannot be reached from here: the API answers are files written in
its documented shapes (``tests/cases/gitlab_api/README.md``), replayed on 127.0.0.1."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml

from generator.change.reviews import ReviewsError, verify
from generator.cli.main import main
from generator.forge.gitlab import fetch_merge_request
from tests.conftest import CASES, REPO, copy_case
from tests.forge_replay import Route, serving
from tests.test_check_gitrepo import PlayRepo
from tests.test_reviews import GM_CLOSURE, HEAD, PEOPLE, _claim, _close_0002

VENDOR = Path(__file__).parent / "vendor" / "gitlab-ci"
CI_SCHEMA_SHA256 = "1c6eeb7d3a34c39996afbfe1ade220480eb05bbeae674e86d3c745dfeeded7fd"
TOKEN = "glpat-test-token"
MR = "/api/v4/projects/77/merge_requests/12"


def _ci_validator() -> jsonschema.Draft7Validator:
    raw = (VENDOR / "ci.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == CI_SCHEMA_SHA256  # the vendored file, unchanged
    schema = json.loads(raw)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _gitlab_ci() -> Any:
    return yaml.safe_load((REPO / ".gitlab-ci.yml").read_text(encoding="utf-8"))


def test_gitlab_ci_is_valid_against_gitlabs_schema() -> None:
    errors = sorted(_ci_validator().iter_errors(_gitlab_ci()), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["kesu check"].update(scirpt=["kesu check"]),  # a typo in a key
        lambda d: d["kesu approvals"]["rules"][0].update(when="after_approval"),
        lambda d: d["kesu check"]["artifacts"]["reports"].update(codequality=7),
    ],
)
def test_the_schema_catches_a_broken_file(spoil: Any) -> None:
    """The validation above can fail: a spoilt copy of the file is refused."""
    doc = copy.deepcopy(_gitlab_ci())
    spoil(doc)
    assert list(_ci_validator().iter_errors(doc))


def test_gitlab_ci_runs_the_judge_from_the_target_branch() -> None:
    doc = _gitlab_ci()
    judge = "\n".join(doc[".judge"]["before_script"])
    assert "install-kesu /tmp/kesu-judge" in judge and "origin/$CI_MERGE_REQUEST_TARGET" in judge
    check = "\n".join(doc["kesu check"]["script"])
    assert "--format gitlab" in check and "gl-code-quality-report.json" in check
    assert doc["kesu check"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    approvals = doc["kesu approvals"]
    assert approvals["rules"][0]["when"] == "manual"
    assert approvals["rules"][0]["allow_failure"] is False
    assert "--forge gitlab" in "\n".join(approvals["script"])


CODE_QUALITY = json.loads((CASES / "gitlab_code_quality.schema.json").read_text(encoding="utf-8"))


def test_validate_format_gitlab_is_a_code_quality_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = copy_case(CASES / "invalid" / "dates-out-of-order", tmp_path / "repo")
    copy_case(CASES / "invalid" / "duplicate-key", repo)
    assert (
        main(
            [
                "--lang",
                "en",
                "-C",
                str(repo),
                "validate",
                "--format",
                "gitlab",
                "--as-of",
                "2026-06-01",
            ]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(CODE_QUALITY).validate(report)
    assert report, "the invalid cases give findings"
    assert len({i["fingerprint"] for i in report}) == len(report)
    assert {i["severity"] for i in report} <= {"major", "minor"}
    assert all(i["check_name"].startswith("kesu/") for i in report)
    assert all(i["location"]["path"].startswith("records/") for i in report)


def test_code_quality_fingerprints_are_stable_and_distinct() -> None:
    from generator.common.diagnostics import Diagnostic
    from generator.render.reporters import render_gitlab

    d = Diagnostic("records/A.yaml", "schema-type", "类型错", "wrong type", line=3, field="x")
    again = Diagnostic("records/A.yaml", "schema-type", "类型错", "wrong type", line=9, field="x")
    first = json.loads(render_gitlab([d, again], 1, "zh"))
    assert json.loads(render_gitlab([d, again], 1, "zh")) == first  # the same run, the same ids
    assert first[0]["fingerprint"] != first[1]["fingerprint"]
    assert first[0]["location"] == {"path": "records/A.yaml", "lines": {"begin": 3}}
    assert first[0]["description"] == "x: 类型错"
    assert json.loads(render_gitlab([], 0, "en")) == []


# ------------------------------------------------------------------ the approvals API


def _route(scenario: str) -> Route:
    folder = CASES / "gitlab_api" / scenario

    def route(path: str, headers: dict[str, str]) -> Path | None:
        if headers.get("private-token") != TOKEN:
            return None
        parts = urlsplit(path)
        name = {
            MR: "mr.json",
            f"{MR}/approvals": "approvals.json",
            f"{MR}/versions": "versions.json",
        }.get(parts.path)
        if parts.path == f"{MR}/notes":
            query = parse_qs(parts.query)
            assert query["sort"] == ["asc"] and query["per_page"] == ["100"]
            name = f"notes-{query['page'][0]}.json"
            file = folder / name
            return file if file.is_file() else CASES / "gitlab_api" / "empty.json"
        return folder / name if name else None

    return route


@pytest.mark.parametrize(
    ("scenario", "code", "message"),
    [
        ("approved", None, ""),
        ("paginated", None, ""),
        ("stale", "approval-stale", "reviewed the older commit 2f3c8a1; the PR changed since"),
        ("withdrawn", "approval-unreviewed", "PR #12 has no APPROVED review by @qian-zhiyuan"),
        ("wrong-person", "approval-unreviewed", "has no APPROVED review by @qian-zhiyuan"),
    ],
)
def test_gm_closure_against_merge_request_approvals(
    scenario: str, code: str | None, message: str
) -> None:
    with serving(_route(scenario)) as api:
        pull = fetch_merge_request(f"{api.url}/api/v4", "77", 12, TOKEN)
    assert pull.head_sha == HEAD
    diags, proven = verify([_claim(GM_CLOSURE)], pull, PEOPLE, "gitlab")
    if code is None:
        assert not diags and len(proven) == 1
        assert "@qian-zhiyuan APPROVED 2025-02-21T09:00:00+00:00" in proven[0]
    else:
        assert [d.code for d in diags] == [code]
        assert message in diags[0].message_en
    if code == "approval-unreviewed":
        assert diags[0].hint_en.endswith("with the merge request's Approve button.")


def test_requests_are_authenticated_and_the_project_path_is_encoded() -> None:
    seen: list[str] = []

    def route(path: str, headers: dict[str, str]) -> Path | None:
        seen.append(path)
        return _route("approved")(path.replace("/quality%2Fcomplaints/", "/77/"), headers)

    with serving(route) as api:
        fetch_merge_request(f"{api.url}/api/v4", "quality/complaints", 12, TOKEN)
    assert seen[0] == "/api/v4/projects/quality%2Fcomplaints/merge_requests/12"
    assert len(seen) == 4  # the MR, its approvals, versions, one page of notes


def test_nobody_approving_asks_for_no_history() -> None:
    with serving(_route("withdrawn")) as api:
        pull = fetch_merge_request(f"{api.url}/api/v4", "77", 12, TOKEN)
        assert [p for p, _ in api.requests] == [MR, f"{MR}/approvals"]
    assert pull.reviews == ()


def test_a_bad_token_or_a_malformed_answer_is_a_reviews_error() -> None:
    with serving(_route("approved")) as api, pytest.raises(ReviewsError) as err:
        fetch_merge_request(f"{api.url}/api/v4", "77", 12, "wrong")
    assert "GitLab API answered 404" in err.value.en

    def broken(path: str, headers: dict[str, str]) -> Path | None:
        return CASES / "gitlab_api" / "empty.json"  # a list where the MR object should be

    with serving(broken) as api, pytest.raises(ReviewsError) as err:
        fetch_merge_request(f"{api.url}/api/v4", "77", 12, TOKEN)
    assert err.value.en == "Unexpected GitLab API answer: merge request !12: sha is missing"


def test_an_http_gitlab_is_refused_before_the_token_leaves() -> None:
    with pytest.raises(ReviewsError) as err:
        fetch_merge_request("http://gitlab.example.com/api/v4", "77", 12, TOKEN)
    assert err.value.en.startswith("The API URL must be https")


@pytest.mark.parametrize(("scenario", "code"), [("approved", 0), ("stale", 1)])
def test_kesu_verify_approvals_forge_gitlab(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    code: int,
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)
    with serving(_route(scenario)) as api:
        for key, value in (
            ("GITLAB_CI", "true"),
            ("CI_API_V4_URL", f"{api.url}/api/v4"),
            ("CI_PROJECT_ID", "77"),
            ("CI_MERGE_REQUEST_IID", "12"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("KESU_GITLAB_TOKEN", TOKEN),
        ):
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        got, out, err = play.run("verify-approvals", "--base", "main", "--format", "gitlab")
    assert got == code, out + err
    report = json.loads(out)
    jsonschema.Draft202012Validator(CODE_QUALITY).validate(report)
    assert [i["check_name"] for i in report] == ([] if code == 0 else ["kesu/approval-stale"])


def test_verify_approvals_without_a_gitlab_token_says_what_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    play = PlayRepo(tmp_path / "repo", capsys)
    _close_0002(play)
    monkeypatch.setenv("GITLAB_CI", "true")
    for key in ("KESU_GITLAB_TOKEN", "GITLAB_TOKEN", "CI_MERGE_REQUEST_IID"):
        monkeypatch.delenv(key, raising=False)
    got, _out, err = play.run("verify-approvals", "--base", "main")
    assert got == 2
    assert "KESU_GITLAB_TOKEN" in err


def test_notify_links_the_gitlab_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.cli.git import _run_url

    monkeypatch.setenv("CI_PIPELINE_URL", "https://gitlab.example.com/q/c/-/pipelines/5")
    assert _run_url() == "https://gitlab.example.com/q/c/-/pipelines/5"


def test_init_forge_gitlab(tmp_path: Path) -> None:
    from generator.cli.initrepo import next_steps, start

    started = start(tmp_path / "c", "000", with_git=False, kesu_spec="kesu==0.1.0", forge="gitlab")
    root = started.root
    assert not (root / ".github").exists()
    assert (root / ".gitlab-ci.yml").read_bytes() == (REPO / ".gitlab-ci.yml").read_bytes()
    assert (root / ".gitlab" / "merge_request_templates" / "Default.md").is_file()
    owners = (root / ".gitlab" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "/.gitlab-ci.yml" in owners and "/.github/" not in owners
    assert "docs/forge-gitlab.md" in next_steps(started, "en")
    for script in ("install-kesu", "preview-tree"):  # what .gitlab-ci.yml runs from the judge
        assert (root / ".ci" / script).is_file()
    assert (root / "docs" / "forge-gitlab.md").is_file()
