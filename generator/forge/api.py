"""One GET to a forge's REST API, every failure a :class:`ReviewsError` naming the forge and
the URL; lists read page by page, never more than ``MAX_PAGES``, never half-read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from generator.change.reviews import ReviewsError
from generator.net.httpjson import DEFAULT_MAX_BYTES, HttpProblem, HttpStatus, allowed, request_json

DEADLINE = 20.0
"""Seconds for each API request, all of it (see :mod:`generator.net.httpjson`)."""
MAX_PAGES = 30
_STATUS_HINT = {
    401: ("令牌无效或已过期", "bad or expired token"),
    403: ("令牌权限不足（需要 read_api / read:repository）", "the token lacks read access"),
    404: (
        "项目或合并请求不存在，或令牌看不到它",
        "no such project or merge request for this token",
    ),
}


def get_json(
    name: str,
    url: str,
    headers: Mapping[str, str],
    deadline: float = DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """GET ``url`` from the forge ``name`` (GitLab, Gitea) as JSON."""
    if not allowed(url):
        raise ReviewsError(f"API 地址必须是 https：{url}", f"The API URL must be https: {url}")
    try:
        return request_json(
            url,
            {**headers, "User-Agent": "kesu-verify-approvals"},
            deadline=deadline,
            max_bytes=max_bytes,
        )
    except HttpStatus as exc:
        zh, en = _STATUS_HINT.get(exc.status or 0, ("", ""))
        raise ReviewsError(
            f"{name} API 返回 {exc.status}：{url}" + (f"（{zh}）" if zh else ""),
            f"{name} API answered {exc.status} for {url}" + (f" ({en})" if en else ""),
        ) from exc
    except HttpProblem as exc:
        raise ReviewsError(
            f"{name} API 请求失败：{url}：{exc.zh}", f"{name} API request failed: {url}: {exc.en}"
        ) from exc


def bad(name: str, where_zh: str, where_en: str, what_zh: str, what_en: str) -> ReviewsError:
    return ReviewsError(
        f"{name} API 的应答格式不对：{where_zh}：{what_zh}",
        f"Unexpected {name} API answer: {where_en}: {what_en}",
    )


def pages(
    name: str,
    url: Callable[[int], str],
    headers: Mapping[str, str],
    per_page: int,
    what: tuple[str, str],
) -> Iterator[tuple[int, int, Any]]:
    """(page, index, item) for every item of a paged list (a page shorter than ``per_page``
    is the last); more than ``MAX_PAGES`` pages is refused rather than half-read (a later
    page could withdraw an approval)."""
    for page in range(1, MAX_PAGES + 1):
        batch = get_json(name, url(page), headers)
        if not isinstance(batch, list):
            raise bad(
                name, f"{what[0]}第 {page} 页", f"{what[1]} page {page}", "不是列表", "not a list"
            )
        yield from ((page, n, item) for n, item in enumerate(batch))
        if len(batch) < per_page:
            return
    raise ReviewsError(
        f"{name} 的{what[0]}超过 {MAX_PAGES * per_page} 条，无法全部读取，因此不作核对",
        f"{name} lists more than {MAX_PAGES * per_page} {what[1]}; they cannot all be read, so "
        "nothing is verified",
    )


def text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def login_of(item: Mapping[str, Any], key: str, field: str) -> str | None:
    """``item[key][field]`` when it is text; None for a deleted account (``item[key]`` null)."""
    user = item.get(key)
    if user is None:
        return None
    if isinstance(user, Mapping) and text(user.get(field)):
        return str(user[field])
    raise ValueError(f"{key}.{field}")
