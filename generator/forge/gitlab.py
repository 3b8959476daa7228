"""GitLab merge requests as the approval workflow: who approves a merge request, on which
commit, read from the GitLab REST API (v4) in the terms of :mod:`generator.change.reviews`.

GitLab's approvals answer (``GET …/merge_requests/:iid/approvals``, every tier) says who
approves now (an approval withdrawn is gone from ``approved_by``) but not on which commit.
That comes from two more documented lists: the merge request's diff versions (``…/versions``:
one per push, ``head_commit_sha`` and ``created_at``, newest first) and its system notes
(``…/notes``: "approved this merge request" with its author and time). An approval counts for
the commit that was the head when it was given: given before the latest push, it is stale,
whatever the project's "remove approvals on push" setting says. GitLab has no "request
changes" review in its approvals API, so a ``decision: rejected`` claim cannot be proven there
(``approval-unreviewed``, as docs/forge-gitlab.md says).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from generator.change.reviews import PullRequest, Review, Skipped
from generator.forge.api import bad, get_json, login_of, pages, text

NAME = "GitLab"
PER_PAGE = 100
APPROVED_NOTE = "approved this merge request"


def _headers(token: str) -> dict[str, str]:
    return {"PRIVATE-TOKEN": token, "Accept": "application/json"}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _versions(items: Any, iid: int) -> list[tuple[datetime, str]]:
    """(pushed at, head commit), oldest first."""
    where = (f"合并请求 !{iid} 的版本列表", f"merge request !{iid} versions")
    if not isinstance(items, list):
        raise bad(NAME, *where, "不是列表", "not a list")
    out = []
    for n, item in enumerate(items):
        at = _when(item.get("created_at")) if isinstance(item, Mapping) else None
        sha = item.get("head_commit_sha") if isinstance(item, Mapping) else None
        if at is None or not text(sha):
            raise bad(
                NAME,
                f"{where[0]}第 {n + 1} 项",
                f"{where[1]}, item {n + 1}",
                "缺少 created_at 或 head_commit_sha",
                "created_at or head_commit_sha is missing",
            )
        out.append((at, str(sha)))
    return sorted(out)


def _commit_at(versions: Sequence[tuple[datetime, str]], at: datetime) -> str | None:
    """The head commit when something happened at ``at``: the last push not after it."""
    found = None
    for pushed, sha in versions:
        if pushed <= at:
            found = sha
    return found


def fetch_merge_request(api: str, project: str, iid: int, token: str) -> PullRequest:
    """The merge request's head commit and each current approver as an APPROVED review on
    the commit that was the head when they approved."""
    quoted = urllib.parse.quote(project, safe="")
    base = f"{api.rstrip('/')}/projects/{quoted}/merge_requests/{iid}"
    headers = _headers(token)
    mr = get_json(NAME, base, headers)
    sha = mr.get("sha") if isinstance(mr, Mapping) else None
    if not text(sha):
        raise bad(NAME, f"合并请求 !{iid}", f"merge request !{iid}", "缺少 sha", "sha is missing")
    approvals = get_json(NAME, f"{base}/approvals", headers)
    approved_by = approvals.get("approved_by") if isinstance(approvals, Mapping) else None
    if not isinstance(approved_by, list):
        raise bad(
            NAME,
            f"合并请求 !{iid} 的审批",
            f"merge request !{iid} approvals",
            "缺少 approved_by 列表",
            "approved_by is missing or not a list",
        )
    approvers: list[str] = []
    skipped: list[Skipped] = []
    for n, item in enumerate(approved_by):
        try:
            login = login_of(item, "user", "username") if isinstance(item, Mapping) else ""
        except ValueError:
            login = ""
        if login is None:
            skipped.append(Skipped(None, "APPROVED", ""))
            continue
        if not login:
            raise bad(
                NAME,
                f"审批人第 {n + 1} 项",
                f"approver {n + 1}",
                "缺少 user.username",
                "user.username is missing",
            )
        approvers.append(login)
    if not approvers:
        return PullRequest(iid, str(sha), (), tuple(skipped))
    versions = _versions(get_json(NAME, f"{base}/versions", headers), iid)
    approved_at: dict[str, datetime] = {}
    for page, n, note in pages(
        NAME,
        lambda p: f"{base}/notes?sort=asc&order_by=created_at&per_page={PER_PAGE}&page={p}",
        headers,
        PER_PAGE,
        ("评论", "notes"),
    ):
        if not isinstance(note, Mapping):
            raise bad(
                NAME,
                f"评论第 {page} 页第 {n + 1} 项",
                f"notes page {page}, item {n + 1}",
                "不是对象",
                "not an object",
            )
        if note.get("system") is not True or note.get("body") != APPROVED_NOTE:
            continue
        try:
            who = login_of(note, "author", "username")
        except ValueError:
            who = None
        at = _when(note.get("created_at"))
        if who is not None and at is not None:
            approved_at[who.casefold()] = at  # ascending: the last approval wins
    reviews = []
    for login in approvers:
        at = approved_at.get(login.casefold())
        commit = _commit_at(versions, at) if at is not None else None
        reviews.append(Review(login, "APPROVED", commit, at.isoformat() if at else ""))
    return PullRequest(iid, str(sha), tuple(reviews), tuple(skipped))
