"""One record's customer report as data: the profile's sections filled from the record.

Only fields the profile names are read, and the profile can only name customer-visible ones
(``profiles``), so nothing internal reaches this data. Labels come from the profile, or from
the schema's titles; enum values get the schema's labels (``render.labels``). Contacts are
not masked: the customer's own people's phone and e-mail are what the customer expects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.common.textrules import scrub
from generator.render.i18n import COMMON_ROLES
from generator.render.labels import enum_label, enum_values, label
from generator.report.audience import schema_path
from generator.report.profiles import Block, Item, Profile

NUMBERED = frozenset({"why"})
"""List fields shown as numbered steps (a 5-Why chain)."""


@dataclass(frozen=True, slots=True)
class Cell:
    lines: tuple[str, ...]
    numbered: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def empty(self) -> bool:
        return not any(self.lines)


@dataclass(frozen=True, slots=True)
class Photo:
    path: str
    """The attachment reference as the record has it (``attachments/…``)."""
    caption: str


@dataclass(frozen=True, slots=True)
class Signature:
    role: str
    name: str
    date: str


@dataclass(frozen=True, slots=True)
class Part:
    """One block of a section, filled."""

    kind: str
    label: str
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    """``fields``: (label cell, value cell) pairs; ``table``: one tuple per item."""
    photos: tuple[Photo, ...] = ()
    signatures: tuple[Signature, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.rows or self.photos or self.signatures)


@dataclass(frozen=True, slots=True)
class ReportSection:
    id: str
    title: str
    parts: tuple[Part, ...]

    @property
    def empty(self) -> bool:
        return all(p.empty for p in self.parts)


@dataclass(frozen=True, slots=True)
class Report:
    record_id: str
    profile: str
    lang: str
    title: str
    subtitle: str
    customer: str
    part_number: str
    revision: str
    """The commit the record was last changed in (short hash), ``+`` when the file differs."""
    revision_date: str
    sections: tuple[ReportSection, ...]


def _get(node: Any, dotted: str) -> Any:
    """The value at ``dotted``; through a list of mappings, a tuple of each item's value."""
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if isinstance(node, list):
            rest = ".".join(parts[i:])
            found = (_get(item, rest) for item in node if isinstance(item, Mapping))
            return tuple(v for v in found if v not in (None, ""))
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _scalar(value: Any, path: str, lang: str) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if lang != "en" else ("yes" if value else "no")
    if value is None:
        return ""
    if enum_values(path):
        return enum_label(path, value, lang)
    return scrub(str(value))


def _cell(value: Any, path: str, lang: str) -> Cell:
    if isinstance(value, tuple):  # one line per list item (each cause's statement)
        return Cell(tuple(line for v in value for line in _cell(v, path, lang).lines))
    if isinstance(value, list):
        items = [_scalar(v, f"{path}[]", lang) for v in value if not isinstance(v, Mapping)]
        name = path.rsplit(".", 1)[-1]
        if name in NUMBERED:
            return Cell(tuple(items), numbered=True)
        return Cell((("、" if lang != "en" else ", ").join(items),))
    if isinstance(value, Mapping):
        return Cell(())
    return Cell(tuple(_scalar(value, path, lang).split("\n")))


def value_cell(data: Mapping[str, Any], field: str, lang: str, base: str = "") -> Cell:
    """The value at ``field`` of ``data`` as the report shows it; ``base``: the schema path of
    ``data`` when it is a list item (``d5_actions.actions[]``)."""
    path = f"{base}.{field}" if base else schema_path(field)
    return _cell(_get(data, field), path, lang)


_SECTION = re.compile(r"d[0-8]_[a-z]+")


def _label(item: Item, path: str, lang: str) -> str:
    """The profile's label, else the schema's title, after its parent's where the parent is a
    group such as the reporter or the team leader (姓名 → 报告人 · 姓名)."""
    if item.label:
        return item.label.get(lang)
    parent = path.rpartition(".")[0]
    if parent and not parent.endswith("[]") and not _SECTION.fullmatch(parent):
        return f"{label(parent, lang)} · {label(path, lang)}"
    return label(path, lang)


def _fields(block: Block, data: Mapping[str, Any], lang: str) -> Part:
    rows = []
    for item in block.items:
        path = schema_path(item.field)
        value = _cell(_get(data, item.field), path, lang)
        if not value.empty:
            rows.append((Cell((_label(item, path, lang),)), value))
    return Part("fields", block.label.get(lang) if block.label else "", rows=tuple(rows))


def _table(block: Block, data: Mapping[str, Any], lang: str) -> Part:
    items = _get(data, block.field)
    base = schema_path(block.field) + "[]"
    headers = tuple(_label(i, f"{base}.{i.field}", lang) for i in block.items)
    rows = []
    for entry in items if isinstance(items, list) else ():
        if isinstance(entry, Mapping):
            rows.append(
                tuple(_cell(_get(entry, i.field), f"{base}.{i.field}", lang) for i in block.items)
            )
    title = block.label.get(lang) if block.label else label(schema_path(block.field), lang)
    return Part("table", title, headers=headers, rows=tuple(rows))


def _photos(block: Block, data: Mapping[str, Any], lang: str) -> Part:
    refs = _get(data, block.field)
    titles = {
        str(a.get("path")): str(a.get("title") or "")
        for a in data.get("attachments") or ()
        if isinstance(a, Mapping)
    }
    photos = tuple(
        Photo(str(ref), scrub(titles.get(str(ref), "")) or str(ref).rsplit("/", 1)[-1])
        for ref in (refs if isinstance(refs, list) else ())
        if isinstance(ref, str)
    )
    title = block.label.get(lang) if block.label else label(schema_path(block.field), lang)
    return Part("photos", title, photos=photos)


def _signatures(block: Block, data: Mapping[str, Any], lang: str, roles: Mapping[str, str]) -> Part:
    latest: dict[tuple[str, str], Signature] = {}
    for entry in data.get("approvals") or ():
        if not isinstance(entry, Mapping) or entry.get("decision") != "approved":
            continue  # rejections and their comments are internal
        role = str(entry.get("role", ""))
        if block.roles and role not in block.roles:
            continue
        name, date = scrub(str(entry.get("name", ""))), str(entry.get("date", ""))
        key = (role, name)
        if key not in latest or latest[key].date < date:
            latest[key] = Signature(roles.get(role) or role, name, date)
    title = block.label.get(lang) if block.label else ""
    return Part("signatures", title, signatures=tuple(latest.values()))


def role_names(policy_roles: Mapping[str, Any] | None, lang: str) -> dict[str, str]:
    """Role code → name in ``lang``: the common ones, then the active policy's."""
    out = {k: v[1] if lang == "en" else v[0] for k, v in COMMON_ROLES.items()}
    for k, v in (policy_roles or {}).items():
        if name := v.get(lang):
            out[k] = str(name)
    return out


def build_report(
    data: Mapping[str, Any],
    profile: Profile,
    lang: str,
    revision: tuple[str, str],
    roles: Mapping[str, str] | None = None,
) -> Report:
    """``revision``: (short commit, date) the record was last changed in."""
    roles = roles if roles is not None else role_names(None, lang)
    sections = []
    for section in profile.sections:
        parts: list[Part] = []
        for block in section.blocks:
            if block.kind == "fields":
                parts.append(_fields(block, data, lang))
            elif block.kind == "table":
                parts.append(_table(block, data, lang))
            elif block.kind == "photos":
                parts.append(_photos(block, data, lang))
            else:
                parts.append(_signatures(block, data, lang, roles))
        sections.append(ReportSection(section.id, section.title.get(lang), tuple(parts)))
    product = data.get("product") or {}
    customer = data.get("customer") or {}
    return Report(
        record_id=str(data.get("id", "")),
        profile=profile.id,
        lang=lang,
        title=profile.title.get(lang),
        subtitle=profile.subtitle.get(lang) if profile.subtitle else "",
        customer=scrub(str(customer.get("company", "")), "line"),
        part_number=scrub(str(product.get("part_number", "")), "line"),
        revision=revision[0],
        revision_date=revision[1],
        sections=tuple(sections),
    )


def missing(
    data: Mapping[str, Any], profile: Profile, status: str, order: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(section id, field, the stage that needs it) of every item the profile requires at
    ``status`` that is empty."""
    if status not in order:
        return []
    reached = order.index(status)
    out: list[tuple[str, str, str]] = []

    def due(stage: str | None) -> bool:
        return stage is not None and stage in order and order.index(stage) <= reached

    for section in profile.sections:
        for block in section.blocks:
            if block.kind in ("table", "photos") and due(block.required_from):
                value = _get(data, block.field)
                if not (isinstance(value, list) and value):
                    out.append((section.id, block.field, str(block.required_from)))
            for item in block.items if block.kind == "fields" else ():
                stage = item.required_from or block.required_from
                if due(stage):
                    value = _get(data, item.field)
                    if value in (None, "", [], {}):
                        out.append((section.id, item.field, str(stage)))
    return out
