"""Rules about a change to one record, comparing it with its version on the base branch.

Pure: the base data, the new file, "now" and the policy view are arguments. Lifecycle,
stage completeness and approval requirements come from the policy (``checkpolicy``); this
module only says what may never change once merged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from generator.crosscheck import Emitter
from generator.diagnostics import format_path
from generator.model import Record
from generator.timeparse import try_instant

if TYPE_CHECKING:
    from generator.policy import Policy

IMMUTABLE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("id",), "编号", "id"),
    (("received_at",), "接收时间", "received time"),
    (("customer", "company"), "客户", "customer"),
)
# What a closed record may still gain without reopening: the month-end archive date and links
# to later records (a recurrence links back to the closed original).
CLOSED_MAY_CHANGE: tuple[tuple[str, ...], ...] = (("d8_closure", "archived_at"), ("links",))
# Fields that name a plan, not a fact: they may lie in the future.
FUTURE_OK = frozenset({"due", "customer_deadline", "new_due"})
_MINUTE = timedelta(minutes=1)
_ACTION_SPOTS: tuple[tuple[str, ...], ...] = (
    ("d0_emergency", "actions"),
    ("d3_containment", "actions"),
    ("d5_actions", "actions"),
    ("d7_prevention", "poka_yoke"),
    ("d7_prevention", "horizontal_deployment", "items"),
)
_REOPEN_HINT = (
    "已结案的记录只能通过重开改变：新建 {rid}-1（再次重开为 -2 …），写 reopen_of: {rid} 与 "
    "reopen_reason；本文件恢复为基准版本：git checkout {ref} -- {path}",
    "A closed record changes only by reopening: create {rid}-1 (then -2, …) with "
    "reopen_of: {rid} and reopen_reason; restore this file: git checkout {ref} -- {path}",
)


def _get(data: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return node


def check_immutable(old: Mapping[str, Any], new: Mapping[str, Any], emit: Emitter) -> None:
    """Id, received time and customer never change after the first merge."""
    for path, zh, en in IMMUTABLE:
        was, now = _get(old, path), _get(new, path)
        if was != now and was is not None:
            emit(
                "change-immutable",
                list(path),
                f"合并后不能修改{zh}：基准版本为 {was!r}，现在是 {now!r}",
                f"The {en} cannot change after the first merge: it was {was!r}, now {now!r}",
                "改回原值；登记错误请在 notes 中说明。确属另一起客诉时新建一条记录。",
                "Restore the original value and explain the mistake in notes; a different "
                "complaint is a new record.",
            )


def _without(data: Mapping[str, Any], paths: Sequence[Sequence[str]]) -> dict[str, Any]:
    out = dict(data)
    for path in paths:
        node: dict[str, Any] = out
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, Mapping):
                break
            node[part] = node = dict(child)
        else:
            node.pop(path[-1], None)
    return out


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose value differs (sorted)."""
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def check_closed(old: Mapping[str, Any], new: Mapping[str, Any], emit: Emitter, ref: str) -> bool:
    """A closed record is frozen; returns True when it was changed (other rules then stop)."""
    if old.get("status") != "closed":
        return False
    diff = changed_fields(_without(old, CLOSED_MAY_CHANGE), _without(new, CLOSED_MAY_CHANGE))
    if not diff:
        return False
    rid = str(old.get("id", emit.lf.stem))
    zh, en = (t.format(rid=rid, ref=ref, path=emit.lf.display) for t in _REOPEN_HINT)
    emit(
        "change-closed",
        [diff[0]],
        f"记录 {rid} 已结案，不能再修改（改动了：{', '.join(diff)}）",
        f"Record {rid} is closed and cannot change (changed: {', '.join(diff)})",
        zh,
        en,
    )
    return True


def _append_only(
    kind: str,
    old_items: Any,
    new_items: Any,
    emit: Emitter,
    text: tuple[str, str],
    key: tuple[str, ...],
) -> None:
    """Entries of ``kind`` on the base must all still be there, unchanged."""
    if not isinstance(old_items, list):
        return
    left = list(new_items) if isinstance(new_items, list) else []
    for i, item in enumerate(old_items):
        if item in left:
            left.remove(item)
            continue
        label = " ".join(str(item.get(k, "")) for k in key) if isinstance(item, Mapping) else ""
        news = new_items if isinstance(new_items, list) else []
        # The entry at the same place that is not an old entry is this one, edited; otherwise
        # one with the same leading key fields (an entry inserted before it moved it).
        same_place = i < len(news) and isinstance(news[i], Mapping) and news[i] not in old_items
        twin = i if same_place else next(
            (
                j
                for j, cand in enumerate(news)
                if isinstance(cand, Mapping)
                and isinstance(item, Mapping)
                and all(cand.get(k) == item.get(k) for k in key[:2])
                and cand not in old_items
            ),
            None,
        )
        what_zh, what_en = (
            ("被修改", "was edited") if twin is not None else ("被删除", "was removed")
        )
        emit(
            f"change-{kind}-edited",
            [kind, twin] if twin is not None else [kind],
            f"已合并的{text[0]} {kind}[{i}]（{label.strip()}）{what_zh}："
            f"{text[0]}只能追加，不能修改或删除",
            f"The merged {text[1]} {kind}[{i}] ({label.strip()}) {what_en}: {text[1]}s are "
            "append-only",
            f"恢复原条目；需要改变结论时追加一条新的{text[0]}（如 decision: rejected）。",
            f"Restore the original entry; to change the outcome append a new {text[1]} "
            "(e.g. decision: rejected).",
        )


def check_history(old: Mapping[str, Any], new: Mapping[str, Any], emit: Emitter) -> None:
    """Approvals and extensions are append-only once merged."""
    _append_only("approvals", old.get("approvals"), new.get("approvals"), emit,
                 ("审批", "approval"), ("role", "subject", "name", "date"))  # fmt: skip
    _append_only("extensions", old.get("extensions"), new.get("extensions"), emit,
                 ("延期", "extension"), ("milestone", "new_due", "approved_by"))  # fmt: skip


def action_key(action_id: str) -> str:
    """The ``extensions[].milestone`` value for an action's own due date: ``P1`` → ``p1``."""
    return action_id.lower().replace("-", "_")


def _action_dues(data: Mapping[str, Any]) -> Iterator[tuple[list[str | int], str, Any]]:
    for spot in _ACTION_SPOTS:
        items = _get(data, spot)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                yield [*spot, i, "due"], action_key(item["id"]), item.get("due")


def typed_dues(data: Mapping[str, Any]) -> dict[str, tuple[list[str | int], Any]]:
    """Due dates written in the record: the customer's deadline and every action's due."""
    out: dict[str, tuple[list[str | int], Any]] = {
        "customer_deadline": (["customer_deadline"], data.get("customer_deadline"))
    }
    for path, key, due in _action_dues(data):
        out[key] = (path, due)
    return out


def check_extensions(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    emit: Emitter,
    tz: ZoneInfo,
    computed: tuple[Mapping[str, datetime | None], Mapping[str, datetime | None]] = ({}, {}),
) -> None:
    """A due moved later needs an ``extensions[]`` entry for it reaching at least the new due.

    Covers typed dues (customer deadline, action dues) and, through ``computed`` (old, new),
    the policy's milestone dues, which move when a start event or a grading fact is edited.
    """
    covered: dict[str, list[datetime]] = {}
    for ext in new.get("extensions") or []:
        when = try_instant(ext.get("new_due"), tz) if isinstance(ext, Mapping) else None
        if when is not None:
            covered.setdefault(str(ext.get("milestone")), []).append(when)
    old_typed, new_typed = typed_dues(old), typed_dues(new)
    # (extension keys that cover the move, path, old due, new due)
    moves: list[tuple[tuple[str, ...], list[str | int], datetime, datetime]] = []
    for key, (path, value) in new_typed.items():
        was = try_instant(old_typed.get(key, ([], None))[1], tz)
        now = try_instant(value, tz)
        if was is not None and now is not None and now > was:
            moves.append(((key,), path, was, now))
    old_due, new_due = computed
    for key, now_c in new_due.items():
        was_c = old_due.get(key)
        if was_c is not None and now_c is not None and now_c > was_c:
            # a milestone the customer's deadline governs moves with an extension of either
            moves.append(((key, "customer_deadline"), ["milestones", key], was_c, now_c))
    for keys, path, was, now in moves:
        # new_due has minute precision: 23:59 covers a due written as a date (end of day)
        if any(c + _MINUTE > now for k in keys for c in covered.get(k, [])):
            continue
        key = keys[0]
        shown = format_path(path)
        emit(
            "change-deadline",
            path,
            f"{shown} 的期限被推迟（{was:%Y-%m-%d %H:%M} → {now:%Y-%m-%d %H:%M}），但没有记录延期",
            f"The due of {shown} moved later ({was:%Y-%m-%d %H:%M} → {now:%Y-%m-%d %H:%M}) "
            "without a recorded extension",
            f"在 extensions 中追加一条：milestone: {key}、new_due、reason、approved_by、"
            "approved_at（原期限保留在历史中）。",
            f"Append to extensions: milestone: {key}, new_due, reason, approved_by, approved_at "
            "(the original due stays in the history).",
        )


def _dated(data: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every fact date in the record: keys ending in ``_at``/``_on`` and ``date``."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(value, str):
                if key not in FUTURE_OK and (key.endswith(("_at", "_on")) or key == "date"):
                    yield [*path, key], value
            else:
                yield from _dated(value, [*path, key])
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _dated(value, [*path, i])


def check_future(new: Mapping[str, Any], emit: Emitter, as_of: datetime, tz: ZoneInfo) -> None:
    """Facts cannot be dated after ``as_of`` (a date alone: after that local day)."""
    local = as_of.astimezone(tz)
    for path, text in _dated(new, []):
        when = try_instant(text, tz)
        if when is None:
            continue
        late = when.date() > local.date() if len(text) == 10 else when > local
        if late:
            emit(
                "date-future",
                path,
                f"{format_path(path)} 是将来的时间：{text}（现在是 {local:%Y-%m-%d %H:%M}）",
                f"{format_path(path)} is in the future: {text} (now is {local:%Y-%m-%d %H:%M})",
                "只记录已经发生的事；计划日期写在 due 或 customer_deadline 中。检查年份和时区。",
                "Record only what has happened; planned dates go in due or customer_deadline. "
                "Check the year and the time zone.",
            )


def check_transition(
    policy: Policy | None,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    emit: Emitter,
    grade: str | None,
) -> bool:
    """Status moves follow the policy's ``allowed_transitions`` (``completeness``). True when
    the record leaves ``closed`` by a policy rule (e.g. the GM rejecting closure), which the
    frozen-when-closed rule then lets through."""
    from generator import completeness

    was, now = old.get("status"), new.get("status")
    if policy is None or was == now or not isinstance(was, str) or not isinstance(now, str):
        return False
    record = Record(emit.lf.stem, emit.lf.display, new)
    refused = completeness.check_transition(policy, was, record, grade)
    if refused is None:
        return was == "closed"
    emit(
        refused.code,
        ["status"],
        refused.message_zh,
        refused.message_en,
        f"{refused.hint_zh}。已结案的记录用重开（<编号>-1）代替改状态。",
        f"{refused.hint_en}. Reopen a closed record as <id>-1 instead.",
    )
    return False
