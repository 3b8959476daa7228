"""Gitea and Forgejo pull-request reviews, read from their REST API (``/api/v1``) in the terms
of :mod:`generator.change.reviews`.

``GET /repos/{owner}/{repo}/pulls/{index}`` gives the head commit (``head.sha``);
``GET …/pulls/{index}/reviews?page=N&limit=50`` every review with its ``state`` (``APPROVED``,
``REQUEST_CHANGES``, ``COMMENT``, ``PENDING``, ``REQUEST_REVIEW``), ``commit_id``,
``submitted_at`` and ``dismissed``. A dismissed review is ``DISMISSED`` and a change request
``CHANGES_REQUESTED``, as on GitHub; a pending (unsubmitted) review is nobody's decision.
Forgejo keeps Gitea's API for these two calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.change.reviews import PullRequest, Review, Skipped
from generator.forge.api import bad, get_json, login_of, pages, text

NAME = "Gitea"
PER_PAGE = 50
"""Gitea's default ``MAX_RESPONSE_ITEMS``: a larger ``limit`` is cut to it silently."""
_STATES = {"REQUEST_CHANGES": "CHANGES_REQUESTED"}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}", "Accept": "application/json"}


def _review(item: Any, page: int, n: int) -> Review | Skipped | None:
    where = (f"评审列表第 {page} 页第 {n + 1} 项", f"reviews page {page}, item {n + 1}")
    if not isinstance(item, Mapping):
        raise bad(NAME, *where, "不是对象", "not an object")
    state, commit, submitted = item.get("state"), item.get("commit_id"), item.get("submitted_at")
    if not text(state):
        raise bad(NAME, *where, "state 缺失或不是文本", "state is missing or not text")
    if commit is not None and not isinstance(commit, str):
        raise bad(NAME, *where, "commit_id 不是文本", "commit_id is not text")
    if state in ("PENDING", "REQUEST_REVIEW"):
        return None  # not submitted / a request for a review: nobody's decision
    state = "DISMISSED" if item.get("dismissed") is True else _STATES.get(str(state), str(state))
    try:
        login = login_of(item, "user", "login")
    except ValueError:
        raise bad(NAME, *where, "user.login 缺失或不是文本", "user.login is missing") from None
    shown = submitted if isinstance(submitted, str) else ""
    if login is None:
        rid = item.get("id")
        return Skipped(rid if isinstance(rid, int) else None, str(state), shown)
    return Review(login, str(state), commit or None, shown)


def fetch_pull(api: str, repository: str, number: int, token: str) -> PullRequest:
    base = f"{api.rstrip('/')}/repos/{repository}/pulls/{number}"
    headers = _headers(token)
    pull = get_json(NAME, base, headers)
    head = pull.get("head") if isinstance(pull, Mapping) else None
    sha = head.get("sha") if isinstance(head, Mapping) else None
    if not text(sha):
        raise bad(
            NAME,
            f"PR #{number}",
            f"pull request #{number}",
            "缺少 head.sha",
            "head.sha is missing or not text",
        )
    reviews: list[Review] = []
    skipped: list[Skipped] = []
    for page, n, item in pages(
        NAME,
        lambda p: f"{base}/reviews?page={p}&limit={PER_PAGE}",
        headers,
        PER_PAGE,
        ("评审", "reviews"),
    ):
        got = _review(item, page, n)
        if isinstance(got, Skipped):
            skipped.append(got)
        elif got is not None:
            reviews.append(got)
    return PullRequest(number, str(sha), tuple(reviews), tuple(skipped))
