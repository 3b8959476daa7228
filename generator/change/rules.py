"""Rules about a change to one record, comparing it with its version on the base branch.

Pure: the base data, the new file, "now" and the policy view are arguments. Lifecycle,
stage completeness and approval requirements come from the policy (``checkpolicy``); this
module only says what may never change once merged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from generator.common.diagnostics import Severity, format_path
from generator.common.model import Record
from generator.time.parse import try_instant
from generator.validate.crosscheck import Emitter

if TYPE_CHECKING:
    from generator.policy.loader import Policy

IMMUTABLE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("id",), "编号", "id"),
    (("received_at",), "接收时间", "received time"),
    (("customer", "company"), "客户", "customer"),
    (("imported",), "导入标记", "imported marker"),
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


CORRECTABLE = frozenset({("id",), ("received_at",), ("customer", "company")})
"""Immutable fields a documented, approved correction may change (``corrections``)."""


def added_corrections(
    old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """``corrections`` entries ``new`` has that ``old`` does not."""
    before = list((old or {}).get("corrections") or [])
    out = []
    for entry in new.get("corrections") or []:
        if entry in before:
            before.remove(entry)
        elif isinstance(entry, Mapping):
            out.append(entry)
    return out


def documented_correction(
    old: Mapping[str, Any], new: Mapping[str, Any], path: tuple[str, ...]
) -> Mapping[str, Any] | None:
    """The correction this change adds for ``path``, from its base value to its new one."""
    if path not in CORRECTABLE:
        return None
    was, now = _get(old, path), _get(new, path)
    for entry in added_corrections(old, new):
        if (
            entry.get("field") == ".".join(path)
            and str(entry.get("from")) == str(was)
            and str(entry.get("to")) == str(now)
            and str(entry.get("reason") or "").strip()
        ):
            return entry
    return None


def approved_corrections(
    old: Mapping[str, Any], new: Mapping[str, Any], role: str
) -> dict[tuple[str, ...], tuple[Any, Any]]:
    """The immutable fields this change corrects with a documented correction and the
    approval of ``role`` (``change_control.corrections``): path → (base value, new value).
    Empty when the correction is not approved: then it is no approval for anything."""
    if not _approved(added_approvals(old, new), role, "correction"):
        return {}
    return {
        path: (_get(old, path), _get(new, path))
        for path in sorted(CORRECTABLE)
        if _get(old, path) != _get(new, path) and documented_correction(old, new, path)
    }


def with_corrections(
    old: Mapping[str, Any], fixes: Mapping[tuple[str, ...], tuple[Any, Any]]
) -> dict[str, Any]:
    """The base version as it would have been registered right: ``old`` with each corrected
    field set to its corrected value, nothing else changed."""
    out = dict(old)
    for path, (_was, now) in fixes.items():
        node = out
        for part in path[:-1]:
            child = node.get(part)
            node[part] = node = dict(child) if isinstance(child, Mapping) else {}
        node[path[-1]] = now
    return out


def check_immutable(
    old: Mapping[str, Any], new: Mapping[str, Any], emit: Emitter, role: str = "quality_manager"
) -> None:
    """Id, received time and customer never change after the first merge, except by a
    correction: a ``corrections`` entry (field, from, to, reason, date, by) this change adds,
    with an ``approvals`` entry ``subject: correction`` by ``role`` (the base's policy,
    ``change_control.corrections``)."""
    approved = _approved(added_approvals(old, new), role, "correction")
    for path, zh, en in IMMUTABLE:
        was, now = _get(old, path), _get(new, path)
        if not (was != now and (was is not None or path == ("imported",))):
            continue
        dotted = ".".join(path)
        if documented_correction(old, new, path) is not None:
            if not approved:
                emit(
                    "correction-unapproved",
                    ["corrections"],
                    f"更正{zh}（{was!r} → {now!r}）须经批准",
                    f"The correction of the {en} ({was!r} → {now!r}) needs approval",
                    f"在 approvals 中追加：role: {role}、subject: correction、name、date、"
                    "decision: approved，并请此人在 PR 上 Approve。",
                    f"Append to approvals: role: {role}, subject: correction, name, date, "
                    "decision: approved, and ask that person to approve the pull request.",
                )
            continue
        if path in CORRECTABLE:
            hint_zh = (
                f"登记错误时写一条更正：corrections 中追加 field: {dotted}、from: {was}、"
                f"to: {now}、reason、date、by，并由 {role} 审批（approvals 中 subject: "
                "correction）；否则改回原值。确属另一起客诉时新建一条记录。"
            )
            hint_en = (
                f"For a registration mistake append a correction: corrections with field: "
                f"{dotted}, from: {was}, to: {now}, reason, date, by, approved by {role} "
                "(an approvals entry with subject: correction); otherwise restore the original "
                "value. A different complaint is a new record."
            )
        else:
            hint_zh = "改回原值。"
            hint_en = "Restore the original value."
        emit(
            "change-immutable",
            list(path),
            f"合并后不能修改{zh}：基准版本为 {was!r}，现在是 {now!r}",
            f"The {en} cannot change after the first merge: it was {was!r}, now {now!r}",
            hint_zh,
            hint_en,
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
        twin = (
            i
            if same_place
            else next(
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
    """Approvals, extensions and corrections are append-only once merged."""
    _append_only(
        "approvals",
        old.get("approvals"),
        new.get("approvals"),
        emit,
        ("审批", "approval"),
        ("role", "subject", "name", "date"),
    )
    _append_only(
        "extensions",
        old.get("extensions"),
        new.get("extensions"),
        emit,
        ("延期", "extension"),
        ("milestone", "new_due", "approved_by"),
    )
    _append_only(
        "corrections",
        old.get("corrections"),
        new.get("corrections"),
        emit,
        ("更正", "correction"),
        ("field", "from", "to"),
    )


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


COMPLETION_KEYS = frozenset(
    {
        "done_at",
        "closed_at",
        "final_report_at",
        "verified_at",
        "implemented_at",
        "customer_accepted_at",
    }
)
"""Fields that say when something was finished: a milestone's or an action's ``done_at``,
closure, the final report, verification, implementation, the customer's acceptance."""
_LATE_STATES = frozenset({"overdue", "done_late", "missed"})


def completion_times(
    data: Any,
    path: list[str | int] | None = None,
) -> Iterator[tuple[list[str | int], str]]:
    """Every completion time in a record (``COMPLETION_KEYS``), with its path."""
    here = path or []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(value, str) and key in COMPLETION_KEYS:
                yield [*here, key], value
            elif isinstance(value, (Mapping, list)):
                yield from completion_times(value, [*here, key])
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from completion_times(value, [*here, i])


@dataclass(frozen=True, slots=True)
class LateEntry:
    """A completion time a change adds that lies before the base commit: it was entered
    after the fact (the base branch did not hold it then)."""

    path: tuple[str | int, ...]
    value: str
    at: datetime


def late_entries(
    old: Mapping[str, Any] | None, new: Mapping[str, Any], tz: ZoneInfo, base_time: datetime
) -> list[LateEntry]:
    """Completion times ``new`` adds or changes against ``old`` that are before
    ``base_time`` (the base commit's date)."""
    before = {tuple(p): v for p, v in completion_times(old)} if old is not None else {}
    out = []
    for path, value in completion_times(new):
        if before.get(tuple(path)) == value:
            continue
        when = try_instant(value, tz)
        if when is not None and when < base_time:
            out.append(LateEntry(tuple(path), value, when))
    return out


def added_approvals(
    old: Mapping[str, Any] | None, new: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """Approval entries ``new`` has that ``old`` does not (append-only: the new ones)."""
    before = list((old or {}).get("approvals") or [])
    out = []
    for entry in new.get("approvals") or []:
        if entry in before:
            before.remove(entry)
        elif isinstance(entry, Mapping):
            out.append(entry)
    return out


def _approved(
    added: Sequence[Mapping[str, Any]], role: str, subject: str, milestone: str | None = None
) -> bool:
    return any(
        a.get("role") == role
        and a.get("subject") == subject
        and a.get("decision") == "approved"
        and (milestone is None or a.get("milestone") == milestone)
        for a in added
    )


MilestoneState = tuple[str, datetime | None]
"""A milestone's computed state and done time."""


def _action_states(
    data: Mapping[str, Any], tz: ZoneInfo
) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Action key → (due, done) for every action with an id."""
    out: dict[str, tuple[datetime | None, datetime | None]] = {}
    for spot in _ACTION_SPOTS:
        items = _get(data, spot)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                due = try_instant(item.get("due"), tz)
                if due is not None and len(str(item.get("due"))) == 10:  # a date: end of day
                    due = due.replace(hour=23, minute=59)
                out[action_key(item["id"])] = (due, try_instant(item.get("done_at"), tz))
    return out


def check_late_entries(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    emit: Emitter,
    tz: ZoneInfo,
    base: tuple[str, datetime],
    states: tuple[Mapping[str, MilestoneState], Mapping[str, MilestoneState]],
    role: str,
) -> list[LateEntry]:
    """Completion times entered after the fact: each shown (a warning naming the commit);
    one that turns an overdue or late milestone or action into an on-time one needs an
    ``approvals`` entry by ``role`` with ``subject: extension`` and that ``milestone``.

    ``states``: (base, new) milestone id → (state, done time), as computed as of now.
    """
    ref, base_time = base
    if isinstance(new.get("imported"), Mapping):
        return []  # imported history is written down afterwards by definition
    found = late_entries(old, new, tz, base_time)
    if not found:
        return found
    added = added_approvals(old, new)
    flipped: dict[str, datetime] = {}
    old_states, new_states = states
    for mid, (state, done) in new_states.items():
        was = old_states.get(mid)
        late_before = was is not None and was[0] in _LATE_STATES and done != was[1]
        if state == "done_on_time" and late_before and done is not None and done < base_time:
            flipped[mid] = done
    if old is not None:
        old_actions = _action_states(old, tz)
        for key, (due, done) in _action_states(new, tz).items():
            was_due, was_done = old_actions.get(key, (None, None))
            if was_due is None or due is None or done is None or done == was_done:
                continue
            late_before = was_done > was_due if was_done is not None else was_due < base_time
            if late_before and done <= due and done < base_time:
                flipped[key] = done
    stamp = f"{base_time.astimezone(tz):%Y-%m-%d %H:%M}"
    shown = "、".join(f"{format_path(list(e.path))} = {e.value}" for e in found)
    shown_en = "; ".join(f"{format_path(list(e.path))} = {e.value}" for e in found)
    emit(
        "late-entry",
        list(found[0].path),
        f"补录 {len(found)} 项完成时间，均早于基准提交（{ref}，{stamp}）：{shown}",
        f"{len(found)} completion time(s) entered after the fact, before the base commit "
        f"({ref}, {stamp}): {shown_en}",
        "补录是允许的；8D 页面和导出会注明它们录入的提交日期。",
        "Late entries are allowed; the 8D page and the export show the commit date they were "
        "recorded on.",
    )
    emit.out[-1] = replace(emit.out[-1], severity=Severity.WARNING)
    for key, done in sorted(flipped.items()):
        if _approved(added, role, "extension", key):
            continue
        emit(
            "late-entry-unapproved",
            ["milestones", key] if key in new_states else ["approvals"],
            f"补录的完成时间（{done:%Y-%m-%d %H:%M}）把 {ref} 上已逾期或延误的 {key} "
            "变成了按时完成，须经批准",
            f"A completion time entered after the fact ({done:%Y-%m-%d %H:%M}) turns {key}, "
            f"overdue or late on {ref}, into done on time: it needs approval",
            f"在 approvals 中追加：role: {role}、subject: extension、milestone: {key}、name、"
            "date、decision: approved（说明补录理由），并请此人在 PR 上 Approve。",
            f"Append to approvals: role: {role}, subject: extension, milestone: {key}, name, "
            "date, decision: approved (say why it was entered late), and ask that person to "
            "approve the pull request.",
        )
    return found


def check_new(new: Mapping[str, Any], emit: Emitter, first_status: str, role: str) -> None:
    """A record new on this branch enters at the first status, unless it is imported
    history (``imported``) with the import approved by ``role``."""
    imported = new.get("imported")
    if isinstance(imported, Mapping):
        if not _approved(added_approvals(None, new), role, "import"):
            emit(
                "import-unapproved",
                ["imported"],
                "导入的历史记录须经批准",
                "An imported historical record needs approval",
                f"在 approvals 中追加：role: {role}、subject: import、name、date、"
                "decision: approved，并请此人在 PR 上 Approve。",
                f"Append to approvals: role: {role}, subject: import, name, date, "
                "decision: approved, and ask that person to approve the pull request.",
            )
        return
    status = new.get("status")
    if isinstance(status, str) and status != first_status:
        emit(
            "new-record-status",
            ["status"],
            f"新记录应以 {first_status} 状态进入，而不是 {status}",
            f"A new record enters at {first_status}, not at {status}",
            f"先以 status: {first_status} 合并登记，再逐阶段推进；从原台账导入的历史记录写 "
            "imported（source、imported_at）并经批准。",
            f"Merge the registration with status: {first_status} first, then advance it stage "
            "by stage; history imported from an old ledger carries imported (source, "
            "imported_at) and its approval.",
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
    from generator.validate import gaps

    was, now = old.get("status"), new.get("status")
    if policy is None or was == now or not isinstance(was, str) or not isinstance(now, str):
        return False
    record = Record(emit.lf.stem, emit.lf.display, new)
    refused = gaps.check_transition(policy, was, record, grade)
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
