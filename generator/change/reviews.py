"""Approvals that prove themselves: each approval a pull request adds (to a record, or to
``rule-changes.yaml``) must match a review on that pull request by the person it names.

The people, their roles and GitHub logins come from the **base** branch's ``kesu.yaml`` (design
decision 12): a pull request that edits ``people`` cannot vouch for itself. The reviews come
from the GitHub REST API with the workflow's token (read-only ``pull-requests: read`` is
enough) through :mod:`generator.net.httpjson`; tests replay recorded responses from a server on
127.0.0.1. Every answer's shape is checked before it is believed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.change.rulefiles import REGISTER, Register
from generator.common.diagnostics import BilingualError, Diagnostic
from generator.config.settings import Person
from generator.load.discover import LoadedFile
from generator.load.yamlload import locate
from generator.net.httpjson import DEFAULT_MAX_BYTES, HttpProblem, HttpStatus, allowed, request_json

API_VERSION = "2022-11-28"
DEADLINE = 20.0
"""Seconds for each API request, all of it (see :mod:`generator.net.httpjson`)."""
PER_PAGE = 100
MAX_PAGES = 30
"""3,000 reviews at most; a pull request with more is refused rather than half-read (a later
review the unread pages hold could withdraw an approval)."""
_STATE = {"approved": "APPROVED", "rejected": "CHANGES_REQUESTED"}
_STATUS_HINT = {
    401: ("令牌无效", "bad token"),
    403: ("权限不足：工作流需要 pull-requests: read", "the workflow needs pull-requests: read"),
    404: ("仓库或 PR 不存在", "no such repository or pull request"),
}


class ReviewsError(BilingualError):
    """The API could not be asked, or answered something else than a pull request and its
    reviews (network, token, unknown pull request, malformed answer): exit 2."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One approval entry this pull request adds: to a record's ``approvals`` or to the rule
    change register's ``changes``."""

    file: LoadedFile
    index: int
    entry: Mapping[str, Any]
    key: str = "approvals"
    """The list the entry is in: ``approvals`` (a record) or ``changes`` (the register)."""

    @property
    def rid(self) -> str:
        return self.file.stem

    @property
    def field(self) -> str:
        return f"{self.key}[{self.index}]"

    @property
    def label(self) -> str:
        """How messages name the entry: ``KS-2025-0002 approvals[0]``."""
        name = self.file.display if self.key == "changes" else self.rid
        return f"{name} {self.field}"

    @property
    def subject(self) -> str:
        """What is approved: a record approval's subject, a rule change's summary."""
        text = self.entry.get("summary" if self.key == "changes" else "subject")
        return " ".join(str(text).split())[:60]


@dataclass(frozen=True, slots=True)
class Review:
    login: str
    state: str
    commit_id: str | None
    submitted_at: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A review by a deleted account (``user: null``): nobody's approval, reported as a note."""

    review_id: int | None
    state: str
    submitted_at: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    head_sha: str
    reviews: tuple[Review, ...]
    skipped: tuple[Skipped, ...] = ()


def get_json(
    url: str, token: str, deadline: float = DEADLINE, max_bytes: int = DEFAULT_MAX_BYTES
) -> Any:
    """GET one API resource as JSON; every failure becomes a ReviewsError naming the URL."""
    if not allowed(url):
        raise ReviewsError(f"API 地址必须是 https：{url}", f"The API URL must be https: {url}")
    headers = {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": "kesu-verify-approvals",
    }
    try:
        return request_json(url, headers, deadline=deadline, max_bytes=max_bytes)
    except HttpStatus as exc:
        zh, en = _STATUS_HINT.get(exc.status or 0, ("", ""))
        raise ReviewsError(
            f"GitHub API 返回 {exc.status}：{url}" + (f"（{zh}）" if zh else ""),
            f"GitHub API answered {exc.status} for {url}" + (f" ({en})" if en else ""),
        ) from exc
    except HttpProblem as exc:
        raise ReviewsError(
            f"GitHub API 请求失败：{url}：{exc.zh}", f"GitHub API request failed: {url}: {exc.en}"
        ) from exc


def _bad(where_zh: str, where_en: str, what_zh: str, what_en: str) -> ReviewsError:
    return ReviewsError(
        f"GitHub API 的应答格式不对：{where_zh}：{what_zh}",
        f"Unexpected GitHub API answer: {where_en}: {what_en}",
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _review(item: Any, page: int, n: int) -> Review | Skipped:
    """One item of a reviews page, its shape checked: a deleted account's review is Skipped."""
    where = (f"评审列表第 {page} 页第 {n + 1} 项", f"reviews page {page}, item {n + 1}")
    if not isinstance(item, Mapping):
        raise _bad(*where, "不是对象", "not an object")
    state, commit, submitted = item.get("state"), item.get("commit_id"), item.get("submitted_at")
    if not _text(state):
        raise _bad(*where, "state 缺失或不是文本", "state is missing or not text")
    if commit is not None and not _text(commit):
        raise _bad(*where, "commit_id 不是文本", "commit_id is not text")
    if submitted is not None and not isinstance(submitted, str):
        raise _bad(*where, "submitted_at 不是文本", "submitted_at is not text")
    user = item.get("user", ...)
    if user is None:
        rid = item.get("id")
        return Skipped(rid if isinstance(rid, int) else None, str(state), submitted or "")
    if not isinstance(user, Mapping) or not _text(user.get("login")):
        raise _bad(*where, "user.login 缺失或不是文本", "user.login is missing or not text")
    return Review(str(user["login"]), str(state), commit, submitted or "")


def fetch_pull(
    api: str, repository: str, number: int, token: str, deadline: float = DEADLINE
) -> PullRequest:
    """The pull request's head commit and every review (all pages, at most MAX_PAGES)."""
    base = f"{api.rstrip('/')}/repos/{repository}/pulls/{number}"
    pull = get_json(base, token, deadline)
    head = pull.get("head") if isinstance(pull, Mapping) else None
    sha = head.get("sha") if isinstance(head, Mapping) else None
    if not _text(sha):
        where = (f"PR #{number}", f"pull request #{number}")
        raise _bad(*where, "缺少 head.sha", "head.sha is missing or not text")
    reviews: list[Review] = []
    skipped: list[Skipped] = []
    for page in range(1, MAX_PAGES + 1):
        batch = get_json(f"{base}/reviews?per_page={PER_PAGE}&page={page}", token, deadline)
        if not isinstance(batch, list):
            raise _bad(f"评审列表第 {page} 页", f"reviews page {page}", "不是列表", "not a list")
        for n, item in enumerate(batch):
            got = _review(item, page, n)
            if isinstance(got, Skipped):
                skipped.append(got)
            else:
                reviews.append(got)
        if len(batch) < PER_PAGE:
            return PullRequest(number, str(sha), tuple(reviews), tuple(skipped))
    raise ReviewsError(
        f"PR #{number} 的评审超过 {MAX_PAGES * PER_PAGE} 条，无法全部读取，因此不作核对",
        f"Pull request #{number} has more than {MAX_PAGES * PER_PAGE} reviews; they cannot all "
        "be read, so nothing is verified",
    )


def latest_states(reviews: Sequence[Review]) -> dict[str, Review]:
    """Each reviewer's standing review (GitHub semantics: a later comment does not cancel an
    approval; a later approval, change request or dismissal does)."""
    out: dict[str, Review] = {}
    for review in reviews:  # the API lists reviews in chronological order
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            out[review.login.casefold()] = review
    return out


def _diag(claim: Claim, code: str, zh: str, en: str, hint_zh: str, hint_en: str) -> Diagnostic:
    path: list[str | int] = [claim.key, claim.index]
    where = locate(claim.file.text, path) if claim.file.text else None
    return Diagnostic(
        file=claim.file.display,
        code=code,
        message_zh=zh,
        message_en=en,
        line=where[0] if where else None,
        column=where[1] if where else None,
        field=claim.field,
        hint_zh=hint_zh,
        hint_en=hint_en,
    )


_WHERE = {
    "github": (
        "在 PR 的 Files changed → Review changes 中",
        "under Files changed → Review changes",
    ),
    "gitlab": ("在合并请求页面用 Approve 按钮", "with the merge request's Approve button"),
    "gitea": ("在 PR 的 Files changed → Review 中", "under Files changed → Review"),
}
"""Where each forge's web page takes a review (the hint of ``approval-unreviewed``)."""


def verify(
    claims: Sequence[Claim], pull: PullRequest, people: Sequence[Person], forge: str = "github"
) -> tuple[list[Diagnostic], list[str]]:
    """Diagnostics for claims no review backs, and one line per verified claim.

    ``people`` must be the base revision's: the change under review cannot name its judges.
    ``forge`` words the hints (``github``, ``gitlab``, ``gitea``); the reviews of every forge
    come in GitHub's terms (:mod:`generator.forge`).
    """
    where_zh, where_en = _WHERE[forge]
    by_name = {p.name: p for p in people}
    standing = latest_states(pull.reviews)
    diags: list[Diagnostic] = []
    proven: list[str] = []
    for c in claims:
        role, name = str(c.entry.get("role")), str(c.entry.get("name"))
        decision, subject = str(c.entry.get("decision")), c.subject
        what = f"{c.label}（{role} {name}：{decision} {subject}）"
        what_en = f"{c.label} ({role} {name}: {decision} {subject})"
        person = by_name.get(name)
        if person is None or not person.login:
            diags.append(
                _diag(
                    c,
                    "approval-unknown-person",
                    f"{what}：{name} 不在 kesu.yaml 的 people 中或没有 login，无法核对",
                    f"{what_en}: {name} is not in kesu.yaml people or has no login, so it cannot "
                    "be verified",
                    f"在 kesu.yaml 的 people 中加上 {name} 的 login 与 roles: [{role}]。",
                    f"Add {name} with login and roles: [{role}] to people in kesu.yaml.",
                )
            )
            continue
        if role not in person.roles:
            diags.append(
                _diag(
                    c,
                    "approval-role",
                    f"{what}：{name}（@{person.login}）没有 {role} 角色",
                    f"{what_en}: {name} (@{person.login}) does not have the {role} role",
                    f"{name} 的角色：{', '.join(person.roles) or '（无）'}；由有该角色的人审批。",
                    f"{name}'s roles: {', '.join(person.roles) or '(none)'}; ask someone with it.",
                )
            )
            continue
        want = _STATE.get(decision, "APPROVED")
        review = standing.get(person.login.casefold())
        verb_zh = "批准（Approve）" if want == "APPROVED" else "要求修改（Request changes）"
        if review is None or review.state != want:
            now = f"（目前：{review.state}）" if review else ""
            now_en = f" (now: {review.state})" if review else ""
            diags.append(
                _diag(
                    c,
                    "approval-unreviewed",
                    f"{what}：PR #{pull.number} 上没有 @{person.login} 的{verb_zh}评审{now}",
                    f"{what_en}: PR #{pull.number} has no {want} review by @{person.login}{now_en}",
                    f"请 @{person.login} {where_zh}提交{verb_zh}。",
                    f"Ask @{person.login} to submit a review ({want}) {where_en}.",
                )
            )
            continue
        if review.commit_id != pull.head_sha:
            diags.append(
                _diag(
                    c,
                    "approval-stale",
                    f"{what}：@{person.login} 的评审针对较早的提交 {str(review.commit_id)[:7]}，"
                    f"之后 PR 又有改动（当前 {pull.head_sha[:7]}）",
                    f"{what_en}: @{person.login} reviewed the older commit "
                    f"{str(review.commit_id)[:7]}; the PR changed since (now {pull.head_sha[:7]})",
                    f"请 @{person.login} 对最新提交重新评审。",
                    f"Ask @{person.login} to review the latest commit again.",
                )
            )
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


def register_claims(register: Register) -> list[Claim]:
    """The entries a change appends to ``rule-changes.yaml``, as claims to verify."""
    loaded = register.loaded
    if loaded is None:
        return []
    file = LoadedFile(Path(REGISTER), REGISTER, None, loaded.text, ())
    return [Claim(file, e.index, e.entry, key="changes") for e in register.added()]


def skipped_notes(pull: PullRequest, lang: str) -> list[str]:
    """One line per review by a deleted account, which backs no claim."""
    out = []
    for s in pull.skipped:
        rid = f" {s.review_id}" if s.review_id is not None else ""
        out.append(
            f"Review{rid} ({s.state} {s.submitted_at}) by a deleted account was skipped"
            if lang == "en"
            else f"已跳过已删除账号的评审{rid}（{s.state} {s.submitted_at}）"
        )
    return out
