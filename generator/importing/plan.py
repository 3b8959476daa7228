"""``kesu import``: the plan (which rows become which records, which are already in, which
cannot be read) and writing it.

Idempotent: each imported record keeps the row's identity in ``imported.key``; a row whose
key is already in ``records/`` is listed as existing and never written again. Ids follow the
received time within each year, after the highest id taken in the working tree and on the
base branch (as ``kesu new`` numbers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.common.diagnostics import Diagnostic
from generator.config.settings import RepoConfig
from generator.importing.mapfile import ImportMap
from generator.importing.rows import Draft, RowProblem, Where, is_record_id, read_row
from generator.importing.sheets import LedgerError, Sheet, data_rows, find_header, read_ledger
from generator.load.discover import RECORD_SUFFIX


@dataclass(frozen=True, slots=True)
class Planned:
    rid: str
    draft: Draft
    path: Path
    text: str


@dataclass(frozen=True, slots=True)
class Existing:
    rid: str
    draft: Draft


@dataclass(slots=True)
class Plan:
    source: str
    made: list[Planned] = field(default_factory=list)
    existing: list[Existing] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    skipped_sheets: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """Sheets where no header holds every mapped column, with the columns not found."""


def imported_keys(config: RepoConfig) -> dict[str, str]:
    """``imported.key`` → record id, for every record already in ``records/``."""
    from generator.load.discover import discover
    from generator.load.yamlload import load_yaml_file

    if not config.records_path.is_dir():
        return {}
    files, _ = discover([config.records_path], config.root)
    out: dict[str, str] = {}
    for path in files:
        loaded = load_yaml_file(path, path.name)
        data = loaded.data
        imported = data.get("imported") if isinstance(data, Mapping) else None
        if isinstance(imported, Mapping) and isinstance(imported.get("key"), str):
            out.setdefault(imported["key"], path.name[: -len(RECORD_SUFFIX)])
    return out


def _sheets(sheets: Sequence[Sheet], imap: ImportMap) -> Iterator[Sheet]:
    if imap.sheets is None:
        yield from sheets
        return
    by_name = {s.name: s for s in sheets}
    for name in imap.sheets:
        if name not in by_name:
            raise LedgerError(
                f"台账中没有映射所列的工作表 {name}（有：{'、'.join(by_name)}）",
                f"the ledger has no sheet {name} the map lists (it has: {', '.join(by_name)})",
            )
        yield by_name[name]


def plan_import(
    config: RepoConfig,
    ledger: Path,
    imap: ImportMap,
    grades: Sequence[str],
    as_of: datetime,
    approval: Mapping[str, str] | None = None,
) -> Plan:
    """Read the ledger and decide every row; writes nothing. ``approval``: the ``approvals``
    entry (role, name) each new record carries for the import, when one was given."""
    from generator.change.newrecord import next_id, schema_ref, taken_ids

    plan = Plan(imap.source or ledger.name)
    wanted = imap.columns()
    drafts: list[Draft] = []
    for sheet in _sheets(read_ledger(ledger, imap.encoding), imap):
        header, missing = find_header(sheet, wanted, imap.header_row, imap.header_rows)
        if header is None:
            if imap.sheets is not None:
                raise LedgerError(
                    f"工作表 {sheet.name} 中找不到含以下列的表头：{'、'.join(missing)}",
                    f"no header in sheet {sheet.name} holds these columns: {', '.join(missing)}",
                )
            plan.skipped_sheets.append((sheet.name, tuple(missing)))
            continue
        for n, cells in data_rows(sheet, header):
            got = read_row(cells, header, Where(sheet.name, n), imap, grades, as_of)
            if isinstance(got, list):
                plan.problems.extend(got)
            else:
                drafts.append(got)
    if not drafts and not plan.problems and len(plan.skipped_sheets) > 0:
        names = "、".join(s for s, _ in plan.skipped_sheets)
        cols = "、".join(plan.skipped_sheets[0][1])
        raise LedgerError(
            f"没有任何工作表含映射所列的列（{names}；第一个缺少：{cols}）",
            f"no sheet holds the columns the map names ({names}; the first lacks: {cols})",
        )
    known = imported_keys(config)
    taken, _ = taken_ids(config, None)
    seen: dict[str, Where] = {}
    fresh: list[Draft] = []
    for d in drafts:
        if d.key in known:
            plan.existing.append(Existing(known[d.key], d))
        elif d.key in seen:
            plan.problems.append(_duplicate(d, seen[d.key]))
        else:
            seen[d.key] = d.where
            fresh.append(d)
    prefix = imap.id_prefix or config.id_prefix
    ref = schema_ref(config)
    for d in sorted(fresh, key=lambda d: (d.received, d.where.sheet, d.where.row)):
        rid = d.ledger_id if d.ledger_id and is_record_id(d.ledger_id) else None
        if rid is not None and rid in taken:
            plan.problems.append(
                RowProblem(
                    d.where,
                    "id",
                    f"原编号 {rid} 已被另一条记录使用",
                    f"the ledger's number {rid} is taken by another record",
                )
            )
            continue
        if rid is None:
            rid = next_id(prefix, d.received.year, taken, config.id_digits)
        taken.add(rid)
        record = build_record(rid, d, plan.source, as_of, approval)
        text = render_record(record, ref)
        display = f"{config.records_dir}/{rid}{RECORD_SUFFIX}"
        if problems := schema_problems(text, display):
            plan.problems.extend(
                RowProblem(d.where, p.field or "", p.message_zh, p.message_en) for p in problems
            )
            continue
        plan.made.append(Planned(rid, d, config.records_path / f"{rid}{RECORD_SUFFIX}", text))
    plan.problems.sort(key=lambda p: (p.where.sheet, p.where.row, p.where.column or 0))
    return plan


def _duplicate(d: Draft, first: Where) -> RowProblem:
    what = f"原编号 {d.ledger_id}" if d.ledger_id else "日期、客户、产品与描述"
    what_en = f"the ledger number {d.ledger_id}" if d.ledger_id else "date, customer, product"
    return RowProblem(
        d.where,
        "key",
        f"与 {first.shown()} 重复（{what}相同），未导入第二行",
        f"a duplicate of {first.shown()} (same {what_en}); the second row is not imported",
    )


def build_record(
    rid: str,
    d: Draft,
    source: str,
    as_of: datetime,
    approval: Mapping[str, str] | None,
) -> dict[str, Any]:
    imported: dict[str, Any] = {
        "source": source,
        "row": f"{d.where.sheet}!A{d.where.row}",
        "key": d.key,
    }
    if d.grade is not None:
        imported["grade"] = d.grade
    imported["imported_at"] = f"{as_of:%Y-%m-%d}"
    record: dict[str, Any] = {"id": rid, **d.fields, "imported": imported}
    if approval is not None:
        record["approvals"] = [
            {
                "role": approval["role"],
                "name": approval["name"],
                "date": f"{as_of:%Y-%m-%d}",
                "decision": "approved",
                "subject": "import",
                "comment": f"导入自 {source} / imported from {source}",
            }
        ]
    return record


def _yaml(value: Any, indent: int) -> Iterator[str]:
    """A small block-style YAML writer: keys are plain identifiers, every string is a JSON
    string (a valid YAML double-quoted scalar: safe for ': ', '#', quotes, line breaks)."""
    pad = "  " * indent
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(v, Mapping | list):
                yield f"{pad}{k}:"
                yield from _yaml(v, indent + 1)
            else:
                yield f"{pad}{k}: {_scalar(v)}"
    else:
        for item in value:
            if not isinstance(item, Mapping | list):
                yield f"{pad}- {_scalar(item)}"
                continue
            lines = list(_yaml(item, indent + 1))
            first = lines[0].lstrip()
            yield f"{pad}- {first}"
            yield from lines[1:]


def _scalar(v: Any) -> str:
    return (
        str(v)
        if isinstance(v, int) and not isinstance(v, bool)
        else json.dumps(v, ensure_ascii=False)
    )


def render_record(record: Mapping[str, Any], schema: str) -> str:
    lines = [f"# yaml-language-server: $schema={schema}", *_yaml(record, 0)]
    return "\n".join(lines) + "\n"


def schema_problems(text: str, display: str) -> list[Diagnostic]:
    from generator.load.schemamsg import schema_diagnostics
    from generator.load.yamlload import load_yaml_bytes
    from generator.validate.records import complaint_validator

    loaded = load_yaml_bytes(text.encode("utf-8"), display)
    if loaded.data is None:
        return list(loaded.diagnostics)
    return list(schema_diagnostics(complaint_validator(), loaded.data, display, loaded.text))


def write_plan(plan: Plan, records: Path) -> list[Path]:
    """Write every planned record (never over an existing file); returns what was written."""
    from generator.common.faults import write_atomic, writing

    written: list[Path] = []
    for p in plan.made:
        with writing(p.path):
            records.mkdir(parents=True, exist_ok=True)
            write_atomic(p.path, p.text, exclusive=True)
        written.append(p.path)
    return written
