"""Post the overdue list to a WeCom, DingTalk or Feishu group robot (off by default).

The webhook URL is a credential (its key lets anyone post to the group): it comes from an
environment variable fed by a CI secret, never from ``kesu.yaml``, and is never printed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.calnotice import ADD_COMMAND
from generator.changes import BilingualError
from generator.httpjson import HttpProblem, allowed, request_json

KINDS = ("wecom", "dingtalk", "feishu")
URL_ENV = "KESU_WEBHOOK_URL"
SECRET_ENV = "KESU_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
TIMEOUT = 15.0
MAX_BYTES = 3800
"""WeCom caps a markdown message at 4096 bytes; the others allow more. One limit for all."""


class NotifyError(BilingualError):
    """The message could not be delivered (or was refused by the robot)."""


@dataclass(frozen=True, slots=True)
class OverdueItem:
    rid: str
    title: str
    milestone: str
    """The milestone's name in the message language."""
    due: datetime
    owner: str | None = None


def _late(item: OverdueItem, as_of: datetime, lang: str) -> str:
    hours = max(0, int((as_of - item.due).total_seconds() // 3600))
    if hours >= 24:
        return f"{hours // 24} days" if lang == "en" else f"{hours // 24} 天"
    return f"{hours} h" if lang == "en" else f"{hours} 小时"


def message(
    items: Sequence[OverdueItem],
    as_of: datetime,
    lang: str,
    site_url: str = "",
    missing_year: int | None = None,
) -> str:
    """Markdown text, most overdue first, cut to fit every robot's limit; first, when
    ``missing_year`` is given, that its official calendar is not in (``calfiles.missing_year``).
    """
    ordered = sorted(items, key=lambda i: (i.due, i.rid))
    if lang == "en":
        head = f"**Overdue complaints: {len(ordered)}** (as of {as_of:%Y-%m-%d %H:%M})"
        if not ordered and missing_year:
            head = f"**Official calendar: {missing_year} missing** (as of {as_of:%Y-%m-%d %H:%M})"
        calendar = f"- ⚠ The official calendar for {missing_year} is not in yet: run {ADD_COMMAND}"
        line = "- {rid} {title}: {ms} due {due}, {late} late{owner}"
        more, owner_fmt = "- … and {n} more", " ({o})"
        link = f"\n[Open the ledger]({site_url})" if site_url else ""
    else:
        head = f"**逾期客诉 {len(ordered)} 项**（截至 {as_of:%Y-%m-%d %H:%M}）"
        if not ordered and missing_year:
            head = f"**官方日历缺少 {missing_year} 年**（截至 {as_of:%Y-%m-%d %H:%M}）"
        calendar = f"- ⚠ {missing_year} 年的官方放假安排尚未录入：请运行 {ADD_COMMAND}"
        line = "- {rid} {title}：{ms} 应于 {due} 完成，已逾期 {late}{owner}"
        more, owner_fmt = "- …… 另有 {n} 项", "（{o}）"
        link = f"\n[打开台账]({site_url})" if site_url else ""
    lines = [head, calendar] if missing_year else [head]
    for n, item in enumerate(ordered):
        text = line.format(
            rid=item.rid,
            title=item.title[:40],
            ms=item.milestone,
            due=f"{item.due:%m-%d %H:%M}",
            late=_late(item, as_of, lang),
            owner=owner_fmt.format(o=item.owner) if item.owner else "",
        )
        tail = more.format(n=len(ordered) - n)
        if len("\n".join([*lines, text, tail]).encode()) + len(link.encode()) > MAX_BYTES:
            lines.append(tail)
            break
        lines.append(text)
    return "\n".join(lines) + link


def _sign(secret: str, ts: str, *, key_is_secret: bool) -> str:
    to_sign = f"{ts}\n{secret}".encode()
    if key_is_secret:  # DingTalk: HMAC keyed by the secret over "ts\nsecret"
        digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    else:  # Feishu: HMAC keyed by "ts\nsecret" over nothing
        digest = hmac.new(to_sign, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build_request(
    kind: str, url: str, text: str, title: str, secret: str = "", now: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, per robot."""
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": text}}
    stamp = now or datetime.now().astimezone()
    if kind == "dingtalk":
        if secret:
            ts = str(int(stamp.timestamp() * 1000))
            sign = urllib.parse.quote_plus(_sign(secret, ts, key_is_secret=True))
            url += f"{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if kind == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            ts = str(int(stamp.timestamp()))
            body.update(timestamp=ts, sign=_sign(secret, ts, key_is_secret=False))
        return url, body
    raise NotifyError(f"未知的通知类型 {kind}（可选：{', '.join(KINDS)}）",
                      f"Unknown notification kind {kind} (choose {', '.join(KINDS)})")  # fmt: skip


def _ok(answer: Any) -> bool:
    if not isinstance(answer, dict):
        return False
    return all(answer.get(k) in (0, None) for k in ("errcode", "code", "StatusCode"))


def post(url: str, body: dict[str, Any], timeout: float = TIMEOUT) -> dict[str, Any]:
    """POST the JSON body; a non-2xx status or a robot error code raises NotifyError.

    Messages never include the URL: its query string is the robot's key.
    """
    if not allowed(url):
        raise NotifyError(f"{URL_ENV} 必须是 https 地址", f"{URL_ENV} must be an https URL")
    host = urllib.parse.urlsplit(url).hostname
    try:
        answer = request_json(url, {}, timeout, body)
    except HttpProblem as exc:
        if exc.status is not None:
            zh, en = f"{host} 返回 {exc.status}", f"{host} answered {exc.status}"
        else:
            zh, en = f"无法连接 {host}（{exc.reason}）", f"cannot reach {host} ({exc.reason})"
        raise NotifyError(f"通知发送失败：{zh}", f"Notification failed: {en}") from exc
    if not _ok(answer):
        raise NotifyError(f"机器人拒绝了消息：{answer}", f"The robot refused the message: {answer}")
    result: dict[str, Any] = answer
    return result
