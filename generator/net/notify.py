"""Post the overdue list to a WeCom, DingTalk or Feishu group robot (off by default).

The webhook URL is a credential (its key lets anyone post to the group): it comes from an
environment variable fed by a CI secret, never from ``kesu.yaml``, and is never printed.

Every piece of text taken from a record (id, title, owner, milestone name) is made inert for
the robot's message syntax before it goes into the message (:func:`inert`): a title such as
``[点此](https://evil.example)`` must show as text, not as a link in the team's chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.common.diagnostics import BilingualError
from generator.net.httpjson import HttpProblem, allowed, request_json
from generator.time.notice import ADD_COMMAND

KINDS = ("wecom", "dingtalk", "feishu")
URL_ENV = "KESU_WEBHOOK_URL"
SECRET_ENV = "KESU_WEBHOOK_SECRET"  # noqa: S105 - the variable's name, not a secret
DEADLINE = 15.0
"""Seconds for the whole post, connect to last byte of the answer."""
MAX_ANSWER = 64 * 1024
"""A robot answers a few dozen bytes of JSON; anything much larger is not a robot."""
MAX_BYTES = 3800
"""WeCom caps a markdown message at 4096 bytes; the others allow more. One limit for all."""

# Characters each robot's message syntax gives a meaning, and the look-alikes shown instead
# (full-width forms: they read the same in a Chinese chat, and no syntax gives them meaning).
# Backslash escapes are not used: none of the three documents them for robot messages.
_COMMON = (
    "[]()"  # links [text](url) and images ![alt](url)
    "<>&"  # HTML, <font>, <@userid> and <at user_id="all"> mentions, <url> links, &lt;
    "*`~\\"  # emphasis, code, strike-through, escapes
    "@"  # @mobile and @name mentions
)
_FLAVOURS: Mapping[str, str] = {
    "wecom": _COMMON,  # markdown: links, <font color>, <@userid>, line-initial > quotes
    "dingtalk": _COMMON + "#",  # markdown: links, images, @mobile (with at.atMobiles), #
    "feishu": _COMMON,  # text message: no markdown, but <at user_id> and autolinked URLs
}
_WIDE = {c: chr(ord(c) + 0xFEE0) for c in "".join(_FLAVOURS.values())}
"""ASCII ``!``..``~`` have full-width forms exactly 0xFEE0 above them."""


def _is_break(ch: str) -> bool:
    """Line and paragraph breaks, other control and format characters (zero-width spaces,
    bidirectional overrides that reorder what is shown)."""
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co")


def inert(text: str, kind: str, limit: int | None = None) -> str:
    """``text`` as plain words in ``kind``'s message: one line, no markup, no link.

    Runs of whitespace and control characters become one space; characters with a meaning in
    the robot's syntax become full-width look-alikes; ``scheme://`` loses its colon, so that
    no client turns it into a link. ``limit`` cuts the text to that many characters first.
    """
    special = _FLAVOURS.get(kind, "".join(_FLAVOURS.values()))
    flat = " ".join("".join(" " if _is_break(ch) else ch for ch in text).split())
    if limit is not None:
        flat = flat[:limit]
    wide = "".join(_WIDE[ch] if ch in special else ch for ch in flat)
    return wide.replace("://", "：//")


def link_target(url: str) -> str | None:
    """``url`` safe as a Markdown link target, or None when it is not an http(s) URL."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if any(_is_break(ch) and ch != " " for ch in url.strip()):
        return None
    return urllib.parse.quote(url.strip(), safe=":/?#&=%~-._+,;@!$'")


class NotifyError(BilingualError):
    """The message could not be delivered (or was refused by the robot): exit 2."""


@dataclass(frozen=True, slots=True)
class OverdueItem:
    rid: str
    title: str
    milestone: str
    """The milestone's name in the message language."""
    due: datetime
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class StalledItem:
    """An open record with no milestone due and no change for ``days`` (``compute.stalled``)."""

    rid: str
    title: str
    status: str
    """The status's name in the message language."""
    days: int
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
    kind: str = "wecom",
    missing_year: int | None = None,
    stalled: Sequence[StalledItem] = (),
) -> str:
    """Markdown text for ``kind``'s robot, most overdue first, cut to fit every robot's limit;
    first, when ``missing_year`` is given, that its official calendar is not in
    (``calendars.missing_year``); then the ``stalled`` records, longest unchanged first.

    Record text is made inert (:func:`inert`); a ``site_url`` that is not an http(s) URL is
    left out.
    """
    ordered = sorted(items, key=lambda i: (i.due, i.rid))
    target = link_target(site_url) if site_url else None
    if lang == "en":
        head = f"**Overdue complaints: {len(ordered)}** (as of {as_of:%Y-%m-%d %H:%M})"
        if not ordered and missing_year:
            head = f"**Official calendar: {missing_year} missing** (as of {as_of:%Y-%m-%d %H:%M})"
        calendar = f"- ⚠ The official calendar for {missing_year} is not in yet: run {ADD_COMMAND}"
        line = "- {rid} {title}: {ms} due {due}, {late} late{owner}"
        more, owner_fmt = "- … and {n} more", " ({o})"
        link = f"\n[Open the ledger]({target})" if target else ""
        stalled_head = f"**Stalled complaints: {len(stalled)}** (no milestone due, no change)"
        stalled_line = "- {rid} {title}: {status}, {days} days without change{owner}"
    else:
        head = f"**逾期客诉 {len(ordered)} 项**（截至 {as_of:%Y-%m-%d %H:%M}）"
        if not ordered and missing_year:
            head = f"**官方日历缺少 {missing_year} 年**（截至 {as_of:%Y-%m-%d %H:%M}）"
        calendar = f"- ⚠ {missing_year} 年的官方放假安排尚未录入：请运行 {ADD_COMMAND}"
        line = "- {rid} {title}：{ms} 应于 {due} 完成，已逾期 {late}{owner}"
        more, owner_fmt = "- …… 另有 {n} 项", "（{o}）"
        link = f"\n[打开台账]({target})" if target else ""
        stalled_head = f"**停滞客诉 {len(stalled)} 条**（没有到期节点，也没有改动）"
        stalled_line = "- {rid} {title}：{status}，{days} 天无改动{owner}"
    lines = [head, calendar] if missing_year else [head]
    texts = [
        line.format(
            rid=inert(item.rid, kind, 40),
            title=inert(item.title, kind, 40),
            ms=inert(item.milestone, kind, 40),
            due=f"{item.due:%m-%d %H:%M}",
            late=_late(item, as_of, lang),
            owner=owner_fmt.format(o=inert(item.owner, kind, 20)) if item.owner else "",
        )
        for item in ordered
    ]
    if stalled:
        texts.append(stalled_head)
        texts += [
            stalled_line.format(
                rid=inert(s.rid, kind, 40),
                title=inert(s.title, kind, 40),
                status=inert(s.status, kind, 20),
                days=s.days,
                owner=owner_fmt.format(o=inert(s.owner, kind, 20)) if s.owner else "",
            )
            for s in stalled
        ]
    for n, text in enumerate(texts):
        tail = more.format(n=len(texts) - n)
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
    raise NotifyError(
        f"未知的通知类型 {kind}（可选：{', '.join(KINDS)}）",
        f"Unknown notification kind {kind} (choose {', '.join(KINDS)})",
    )


def _ok(answer: Any) -> bool:
    if not isinstance(answer, dict):
        return False
    return all(answer.get(k) in (0, None) for k in ("errcode", "code", "StatusCode"))


def _refusal(answer: Any) -> str:
    """The robot's error code and message, short and printable (never the whole answer)."""
    if not isinstance(answer, dict):
        return f"not a JSON object ({type(answer).__name__})"
    code = next((answer[k] for k in ("errcode", "code", "StatusCode") if k in answer), None)
    text = next((answer[k] for k in ("errmsg", "msg", "StatusMessage") if k in answer), "")
    shown = " ".join("".join(" " if _is_break(c) else c for c in str(text)).split())[:200]
    return f"{str(code)[:20]} {shown}".strip()


def post(url: str, body: dict[str, Any], deadline: float = DEADLINE) -> dict[str, Any]:
    """POST the JSON body; a failed request or a robot error code raises NotifyError.

    Messages never include the URL's path or query: they hold the robot's key.
    """
    if not allowed(url):
        raise NotifyError(f"{URL_ENV} 必须是 https 地址", f"{URL_ENV} must be an https URL")
    host = urllib.parse.urlsplit(url).hostname
    try:
        answer = request_json(url, {}, body, deadline=deadline, max_bytes=MAX_ANSWER)
    except HttpProblem as exc:
        raise NotifyError(f"通知发送失败：{exc.zh}", f"Notification failed: {exc.en}") from exc
    if not _ok(answer):
        why = _refusal(answer)
        raise NotifyError(
            f"{host} 的机器人拒绝了消息：{why}", f"The robot at {host} refused the message: {why}"
        )
    result: dict[str, Any] = answer
    return result
