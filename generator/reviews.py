"""Approvals that prove themselves: each approval a pull request adds to a record must match
an approving review on that pull request by the person it names.

``kesu.yaml`` lists people with their roles and GitHub logins. The reviews come from the GitHub
REST API with the workflow's token (read-only ``pull-requests: read`` is enough). HTTP is plain
urllib with a timeout; tests replay recorded responses from a server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.changes import BilingualError
from generator.config import Person
from generator.diagnostics import Diagnostic
from generator.httpjson import HttpProblem, allowed, request_json
from generator.load import LoadedFile
from generator.yamlload import locate

API_VERSION = "2022-11-28"
TIMEOUT = 20.0
MAX_PAGES = 30
_STATE = {"approved": "APPROVED", "rejected": "CHANGES_REQUESTED"}
_STATUS_HINT = {
    401: ("令牌无效", "bad token"),
    403: ("权限不足：工作流需要 pull-requests: read", "the workflow needs pull-requests: read"),
    404: ("仓库或 PR 不存在", "no such repository or pull request"),
}


class ReviewsError(BilingualError):
    """The API could not be asked (network, token, unknown pull request): exit 2."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One approval entry this pull request adds to a record."""

    file: LoadedFile
    index: int
    entry: Mapping[str, Any]

    @property
    def rid(self) -> str:
        return self.file.stem


@dataclass(frozen=True, slots=True)
class Review:
    login: str
    state: str
    commit_id: str | None
    submitted_at: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    head_sha: str
    reviews: tuple[Review, ...]


def get_json(url: str, token: str, timeout: float = TIMEOUT) -> Any:
    """GET one API resource as JSON; errors become a ReviewsError with the status."""
    if not allowed(url):
        raise ReviewsError(f"API 地址必须是 https：{url}", f"The API URL must be https: {url}")
    headers = {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": "kesu-verify-approvals",
    }
    try:
        return request_json(url, headers, timeout)
    except HttpProblem as exc:
        if exc.status is None:
            raise ReviewsError(f"无法访问 GitHub API：{exc.reason}",
                               f"Cannot reach the GitHub API: {exc.reason}") from exc  # fmt: skip
        zh, en = _STATUS_HINT.get(exc.status, ("", ""))
        raise ReviewsError(
            f"GitHub API 返回 {exc.status}：{url}（{zh}）",
            f"GitHub API answered {exc.status} for {url} ({en})",
        ) from exc


def fetch_pull(api: str, repository: str, number: int, token: str) -> PullRequest:
    """The pull request's head commit and every review (all pages)."""
    base = f"{api.rstrip('/')}/repos/{repository}/pulls/{number}"
    pull = get_json(base, token)
    reviews: list[Review] = []
    for page in range(1, MAX_PAGES + 1):
        batch = get_json(f"{base}/reviews?per_page=100&page={page}", token)
        if not isinstance(batch, list):
            raise ReviewsError("GitHub API 的评审列表格式不对", "Unexpected reviews payload")
        for item in batch:
            user = item.get("user") or {}
            reviews.append(
                Review(
                    login=str(user.get("login", "")),
                    state=str(item.get("state", "")),
                    commit_id=item.get("commit_id"),
                    submitted_at=str(item.get("submitted_at") or ""),
                )
            )
        if len(batch) < 100:
            break
    try:
        head = str(pull["head"]["sha"])
    except (KeyError, TypeError) as exc:
        raise ReviewsError(
            "GitHub API 的 PR 数据缺少 head.sha", "Pull request without head.sha"
        ) from exc
    return PullRequest(number, head, tuple(reviews))


def latest_states(reviews: Sequence[Review]) -> dict[str, Review]:
    """Each reviewer's standing review (GitHub semantics: a later comment does not cancel an
    approval; a later approval, change request or dismissal does)."""
    out: dict[str, Review] = {}
    for review in reviews:  # the API lists reviews in chronological order
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            out[review.login.casefold()] = review
    return out


def _diag(claim: Claim, code: str, zh: str, en: str, hint_zh: str, hint_en: str) -> Diagnostic:
    path: list[str | int] = ["approvals", claim.index]
    where = locate(claim.file.text, path) if claim.file.text else None
    return Diagnostic(
        file=claim.file.display,
        code=code,
        message_zh=zh,
        message_en=en,
        line=where[0] if where else None,
        column=where[1] if where else None,
        field=f"approvals[{claim.index}]",
        hint_zh=hint_zh,
        hint_en=hint_en,
    )


def verify(
    claims: Sequence[Claim], pull: PullRequest, people: Sequence[Person]
) -> tuple[list[Diagnostic], list[str]]:
    """Diagnostics for claims no review backs, and one line per verified claim."""
    by_name = {p.name: p for p in people}
    standing = latest_states(pull.reviews)
    diags: list[Diagnostic] = []
    proven: list[str] = []
    for c in claims:
        role, name = str(c.entry.get("role")), str(c.entry.get("name"))
        decision, subject = str(c.entry.get("decision")), str(c.entry.get("subject"))
        what = f"{c.rid} approvals[{c.index}]（{role} {name}：{decision} {subject}）"
        what_en = f"{c.rid} approvals[{c.index}] ({role} {name}: {decision} {subject})"
        person = by_name.get(name)
        if person is None or not person.login:
            diags.append(_diag(
                c, "approval-unknown-person",
                f"{what}：{name} 不在 kesu.yaml 的 people 中或没有 login，无法核对",
                f"{what_en}: {name} is not in kesu.yaml people or has no login, so it cannot "
                "be verified",
                f"在 kesu.yaml 的 people 中加上 {name} 的 login 与 roles: [{role}]。",
                f"Add {name} with login and roles: [{role}] to people in kesu.yaml.",
            ))  # fmt: skip
            continue
        if role not in person.roles:
            diags.append(_diag(
                c, "approval-role",
                f"{what}：{name}（@{person.login}）没有 {role} 角色",
                f"{what_en}: {name} (@{person.login}) does not have the {role} role",
                f"{name} 的角色：{', '.join(person.roles) or '（无）'}；由有该角色的人审批。",
                f"{name}'s roles: {', '.join(person.roles) or '(none)'}; ask someone with it.",
            ))  # fmt: skip
            continue
        want = _STATE.get(decision, "APPROVED")
        review = standing.get(person.login.casefold())
        verb_zh = "批准（Approve）" if want == "APPROVED" else "要求修改（Request changes）"
        if review is None or review.state != want:
            now = f"（目前：{review.state}）" if review else ""
            now_en = f" (now: {review.state})" if review else ""
            diags.append(_diag(
                c, "approval-unreviewed",
                f"{what}：PR #{pull.number} 上没有 @{person.login} 的{verb_zh}评审{now}",
                f"{what_en}: PR #{pull.number} has no {want} review by @{person.login}{now_en}",
                f"请 @{person.login} 在 PR 的 Files changed → Review changes 中提交{verb_zh}。",
                f"Ask @{person.login} to submit a review ({want}) under Files changed → "
                "Review changes.",
            ))  # fmt: skip
            continue
        if review.commit_id != pull.head_sha:
            diags.append(_diag(
                c, "approval-stale",
                f"{what}：@{person.login} 的评审针对较早的提交 {str(review.commit_id)[:7]}，"
                f"之后 PR 又有改动（当前 {pull.head_sha[:7]}）",
                f"{what_en}: @{person.login} reviewed the older commit "
                f"{str(review.commit_id)[:7]}; the PR changed since (now {pull.head_sha[:7]})",
                f"请 @{person.login} 对最新提交重新评审。",
                f"Ask @{person.login} to review the latest commit again.",
            ))  # fmt: skip
            continue
        proven.append(f"{what_en} ↔ @{person.login} {review.state} {review.submitted_at}")
    return diags, proven


def claims_added(new: LoadedFile, old: Mapping[str, Any] | None) -> list[Claim]:
    """Approval entries in ``new`` that the base version ``old`` does not have."""
    before = list((old or {}).get("approvals") or [])
    out: list[Claim] = []
    for i, entry in enumerate((new.data or {}).get("approvals") or []):
        if entry in before:
            before.remove(entry)
        elif isinstance(entry, Mapping):
            out.append(Claim(new, i, entry))
    return out
