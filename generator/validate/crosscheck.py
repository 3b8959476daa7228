"""Checks JSON Schema cannot express: identity, references, quantities and date order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.common.diagnostics import Diagnostic, format_path
from generator.common.ids import id_value, same_key, spelled, width_ok
from generator.load.attachments import inspect, is_url
from generator.load.discover import LoadedFile
from generator.load.yamlload import located
from generator.time.parse import try_instant


class Emitter:
    """Builds diagnostics for one file, locating fields lazily in its text."""

    def __init__(self, lf: LoadedFile) -> None:
        self.lf = lf
        self.out: list[Diagnostic] = []

    def __call__(
        self,
        code: str,
        path: Sequence[str | int],
        zh: str,
        en: str,
        hint_zh: str = "",
        hint_en: str = "",
    ) -> None:
        self.out.append(
            located(self.lf.display, self.lf.text, path, code, zh, en, hint_zh, hint_en)
        )


def _get(data: Mapping[str, Any], *path: str | int) -> Any:
    node: Any = data
    for p in path:
        if isinstance(p, int):
            if not isinstance(node, list) or p >= len(node):
                return None
        elif not isinstance(node, Mapping):
            return None
        node = node[p] if isinstance(p, int) else node.get(p)
    return node


Actions = list[tuple[tuple[str | int, ...], Mapping[str, Any]]]


def _actions(data: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    """Every action-like item in the record, with its path (``check_record`` lists them once)."""
    spots: list[tuple[str | int, ...]] = [
        ("d0_emergency", "actions"),
        ("d3_containment", "actions"),
        ("d5_actions", "actions"),
        ("d7_prevention", "poka_yoke"),
        ("d7_prevention", "horizontal_deployment", "items"),
    ]
    for spot in spots:
        items = _get(data, *spot)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, Mapping):
                    yield (*spot, i), item


def check_identity(files: Sequence[LoadedFile], digits: int = 4) -> list[Diagnostic]:
    """id equals the file name and has the configured width; ids unique by value
    (``KS-2026-00025`` is ``KS-2026-0025``) and ignoring case (for Windows and macOS)."""
    out: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for lf in files:
        if lf.data is None:
            continue
        emit = Emitter(lf)
        rid = lf.data.get("id")
        if isinstance(rid, str) and rid != lf.stem:
            emit(
                "id-file-name",
                ["id"],
                f"编号 {rid} 与文件名 {lf.stem}.yaml 不一致",
                f"Id {rid} does not match the file name {lf.stem}.yaml",
                f"把文件改名为 {rid}.yaml，或把 id 改为 {lf.stem}。",
                f"Rename the file to {rid}.yaml or set id: {lf.stem}.",
            )
        if isinstance(rid, str) and not width_ok(rid, digits):
            value = id_value(rid)
            right = spelled(rid.split("-")[0], value.year, value.number, digits) if value else rid
            if value is not None and value.reopen:
                right += f"-{value.reopen}"
            emit(
                "id-width",
                ["id"],
                f"编号 {rid} 的序号位数不对：本仓库的编号为 {digits} 位（如 {right}）",
                f"Id {rid} has a number of the wrong width: ids here have {digits} digits "
                f"(e.g. {right})",
                f"改为 {right}（文件名同样改为 {right}.yaml）；"
                "位数由 kesu.yaml 的 id_digits 决定。",
                f"Write {right} (and rename the file to {right}.yaml); kesu.yaml's id_digits "
                "sets the width.",
            )
        if isinstance(rid, str):
            key = same_key(rid)
            if key in seen:
                emit(
                    "id-duplicate",
                    ["id"],
                    f"编号 {rid} 重复，已被 {seen[key]} 使用",
                    f"Id {rid} is already used by {seen[key]}",
                    "并行的合并请求可能取了同一个编号：请用 `kesu new` 取下一个编号并改名。",
                    "Parallel pull requests may take the same number: take the next one with "
                    "`kesu new` and rename.",
                )
            else:
                seen[key] = lf.display
        out.extend(emit.out)
    return out


def check_record(
    lf: LoadedFile, known_ids: set[str], root: Path, tz: ZoneInfo, *, local: bool = True
) -> tuple[list[Diagnostic], bool]:
    """All single-record checks beyond the schema (the record already passed the schema).

    The checks that depend only on the record's own content and the time zone (quantities,
    date order, ids inside the record) run only when ``local`` is true; links and attachment
    files depend on the rest of the repository and always run. Returns the findings and
    whether the local checks ran and found nothing (what ``cache.Verdicts`` may remember).
    """
    data = lf.data
    if data is None:
        return [], False
    emit = Emitter(lf)
    actions = list(_actions(data))
    _check_links(data, lf, known_ids, emit)
    before = len(emit.out)
    if local:
        _check_quantities(data, actions, emit)
        _check_dates(data, actions, tz, emit)
        _check_ids_inside(data, actions, emit)
    local_clean = local and len(emit.out) == before
    _check_attachments(data, actions, _resolved(root), emit)
    return emit.out, local_clean


@lru_cache(maxsize=8)
def _resolved(root: Path) -> Path:
    return root.resolve()


@lru_cache(maxsize=1 << 16)
def _instant_text(value: str, tz: ZoneInfo) -> datetime | None:
    return try_instant(value, tz)


def _instant(value: object, tz: ZoneInfo) -> datetime | None:
    """``try_instant``, remembered for strings: records repeat the same dates many times."""
    return _instant_text(value, tz) if isinstance(value, str) else try_instant(value, tz)


def _check_links(data: Mapping[str, Any], lf: LoadedFile, known: set[str], emit: Emitter) -> None:
    for i, link in enumerate(data.get("links") or []):
        target = link.get("id")
        if target not in known:
            emit(
                "link-missing",
                ["links", i, "id"],
                f"关联的记录 {target} 不存在",
                f"Linked record {target} does not exist",
                "检查编号拼写；记录不会被删除或改名。",
                "Check the id; records are never deleted or renamed.",
            )
        elif target == data.get("id"):
            emit(
                "link-self",
                ["links", i, "id"],
                "记录不能关联自己",
                "A record cannot link to itself",
            )
    parent = data.get("reopen_of")
    rid = data.get("id", "")
    if parent is not None:
        if parent not in known:
            emit(
                "reopen-missing",
                ["reopen_of"],
                f"重开的原记录 {parent} 不存在",
                f"Reopened record {parent} does not exist",
            )
        if not (
            isinstance(rid, str)
            and rid.startswith(f"{parent}-")
            and rid[len(parent) + 1 :].isdigit()
        ):
            emit(
                "reopen-id",
                ["id"],
                f"重开记录的编号应为 {parent}-1、{parent}-2 …",
                f"A reopened record's id must be {parent}-1, {parent}-2, …",
            )


def _check_quantities(data: Mapping[str, Any], actions: Actions, emit: Emitter) -> None:
    prod = data.get("product") or {}
    shipped = prod.get("shipped_quantity")
    for field, zh, en in (
        ("complained_quantity", "不良数量", "Defective quantity"),
        ("returned_quantity", "退回数量", "Returned quantity"),
    ):
        qty = prod.get(field)
        if isinstance(qty, int) and isinstance(shipped, int) and qty > shipped:
            emit(
                "quantity-exceeds",
                ["product", field],
                f"{zh}（{qty}）大于交付数量（{shipped}）",
                f"{en} ({qty}) exceeds the shipped quantity ({shipped})",
                "核对数量；交付数量应为该批/该订单实际交付给客户的数量。",
                "Check the figures; shipped is what actually reached the customer.",
            )
    for path, action in actions:
        checked, found = action.get("checked_quantity"), action.get("found_quantity")
        if isinstance(checked, int) and isinstance(found, int) and found > checked:
            emit(
                "quantity-found-exceeds",
                [*path, "found_quantity"],
                f"发现不良数（{found}）大于排查数（{checked}）",
                f"Found ({found}) exceeds checked ({checked})",
            )


def _check_dates(data: Mapping[str, Any], actions: Actions, tz: ZoneInfo, emit: Emitter) -> None:
    received = _instant(data.get("received_at"), tz)
    if received is None:
        return
    day_start = received.replace(hour=0, minute=0, second=0)

    def not_before(path: Sequence[str | int], start: datetime, zh: str, en: str) -> None:
        value = _instant(_get(data, *path), tz)
        if value is not None and value < start:
            emit(
                "date-order",
                path,
                f"{format_path(list(path))} 早于{zh}",
                f"{format_path(list(path))} is before {en}",
                "检查年份和月份；时间按本地时区（默认北京时间）。",
                "Check the year and month; times are local (default Beijing time).",
            )

    recv = ("接收时间", "the received time")
    fixed: tuple[tuple[str | int, ...], ...] = (
        ("accepted_at",),
        ("confirmed_at",),
        ("classified_at",),
        ("d4_root_cause", "confirmed_at"),
        ("d8_closure", "closed_at"),
        ("d8_closure", "final_report_at"),
        ("sample", "requested_at"),
        ("sample", "received_at"),
        ("sample", "handed_over_at"),
        ("customer_deadline",),
    )
    for path in fixed:
        not_before(path, received, *recv)
    for mid in data.get("milestones") or {}:
        not_before(("milestones", mid, "done_at"), received, *recv)
    for apath, _action in actions:
        # containment can start the day the complaint came in, before the clock minute
        not_before((*apath, "done_at"), day_start, "接收当天", "the day it was received")
    for i, _ in enumerate(data.get("approvals") or []):
        not_before(("approvals", i, "date"), day_start, "接收当天", "the day it was received")
    sample = data.get("sample") or {}
    req = _instant(sample.get("requested_at"), tz)
    got = _instant(sample.get("received_at"), tz)
    if req and got and got < req:
        not_before(("sample", "received_at"), req, "索样时间", "the sample request")
    if got:
        not_before(("sample", "handed_over_at"), got, "样品到货时间", "the sample's arrival")
    closed = _instant(_get(data, "d8_closure", "closed_at"), tz)
    prod = data.get("product") or {}
    shipped = _instant(prod.get("shipped_on"), tz)
    if shipped and shipped > received.replace(hour=23, minute=59, second=59):
        emit(
            "date-order",
            ["product", "shipped_on"],
            "出货日期晚于接收客诉的日期",
            "Shipped after the complaint was received",
        )
    installed = _instant(prod.get("installed_on"), tz)
    if shipped and installed and installed < shipped:
        emit(
            "date-order",
            ["product", "installed_on"],
            "安装日期早于出货日期",
            "Installed before it was shipped",
        )
    if closed:
        for apath, action in actions:
            done = _instant(action.get("done_at"), tz)
            if done and done > closed.replace(hour=23, minute=59, second=59):
                emit(
                    "date-order",
                    [*apath, "done_at"],
                    "措施完成日期晚于结案时间",
                    "An action was done after the record was closed",
                    "结案前所有措施应已完成；如需后续跟进请重开记录。",
                    "All actions are done before closure; reopen the record for follow-up.",
                )


def _check_ids_inside(data: Mapping[str, Any], actions: Actions, emit: Emitter) -> None:
    causes: dict[str, list[str | int]] = {}
    for kind in ("occurrence", "escape"):
        for i, rc in enumerate(_get(data, "d4_root_cause", kind) or []):
            cid = rc.get("id")
            if cid in causes:
                emit(
                    "cause-id-duplicate",
                    ["d4_root_cause", kind, i, "id"],
                    f"原因编号 {cid} 重复",
                    f"Cause id {cid} is used twice",
                )
            causes[cid] = ["d4_root_cause", kind, i]
    for i, act in enumerate(_get(data, "d5_actions", "actions") or []):
        for j, ref in enumerate(act.get("addresses") or []):
            if ref not in causes:
                emit(
                    "cause-missing",
                    ["d5_actions", "actions", i, "addresses", j],
                    f"措施针对的原因 {ref} 在 D4 中不存在",
                    f"Root cause {ref} is not in D4",
                    f"D4 中的原因编号：{', '.join(causes) or '（无）'}",
                    f"Cause ids in D4: {', '.join(causes) or '(none)'}",
                )
    seen: set[str] = set()
    for path, action in actions:
        aid = action.get("id")
        if isinstance(aid, str):
            if aid in seen:
                emit(
                    "action-id-duplicate",
                    [*path, "id"],
                    f"措施编号 {aid} 重复",
                    f"Action id {aid} is used twice",
                )
            seen.add(aid)


def _attachment_refs(
    data: Mapping[str, Any], actions: Actions
) -> Iterator[tuple[list[str | int], str]]:
    for i, att in enumerate(data.get("attachments") or []):
        yield ["attachments", i, "path"], att.get("path", "")
    for i, ref in enumerate(_get(data, "d2_problem", "photos") or []):
        yield ["d2_problem", "photos", i], ref
    for i, ref in enumerate(_get(data, "d6_validation", "effectiveness", "attachments") or []):
        yield ["d6_validation", "effectiveness", "attachments", i], ref
    for path, action in actions:
        for j, ref in enumerate(action.get("evidence") or []):
            yield [*path, "evidence", j], ref
    for key in (("d1_team", "minutes"), ("d4_root_cause", "fishbone")):
        ref = _get(data, *key)
        if isinstance(ref, str):
            yield list(key), ref


def _check_attachments(
    data: Mapping[str, Any], actions: Actions, base: Path, emit: Emitter
) -> None:
    top = str(base)
    for path, ref in _attachment_refs(data, actions):
        if not isinstance(ref, str) or is_url(ref):
            continue
        # String work and one lstat per file (folders once, cached): ten thousand records
        # have tens of thousands of refs.
        problem, detail = inspect(top, ref)
        if problem == "outside":
            emit(
                "attachment-outside",
                path,
                f"附件路径必须在仓库内：{ref}",
                f"Attachment paths must stay inside the repository: {ref}",
                "写相对仓库根目录的路径，如 attachments/KS-2026-0001/photo.jpg。",
                "Write a path from the repository root, e.g. attachments/KS-2026-0001/photo.jpg.",
            )
        elif problem == "hidden":
            emit(
                "attachment-hidden",
                path,
                f"附件不能是隐藏文件或在隐藏文件夹中（{detail}）：{ref}",
                f"An attachment cannot be a hidden file or in a hidden folder ({detail}): {ref}",
                "隐藏文件不会发布到网站：改为不以“.”开头的名字，放在 attachments/<编号>/ 下。",
                "Hidden files are never published: rename it so that no part of the path starts "
                "with '.', under attachments/<id>/.",
            )
        elif problem == "symlink":
            emit(
                "attachment-symlink",
                path,
                f"附件不能是符号链接，也不能在链接的文件夹中（{detail} 是链接）：{ref}",
                f"An attachment cannot be a symbolic link or in a linked folder "
                f"({detail} is a link): {ref}",
                "链接不会被跟随：把文件本身加入仓库（大文件用 Git LFS），或改为网址。",
                "Links are never followed: add the file itself (Git LFS for large files) or "
                "use a URL.",
            )
        elif problem == "missing":
            emit(
                "attachment-missing",
                path,
                f"附件不存在：{ref}",
                f"Attachment not found: {ref}",
                "把文件加入仓库（大文件用 Git LFS），或改为链接。",
                "Add the file to the repository (Git LFS for large files) or use a URL.",
            )
