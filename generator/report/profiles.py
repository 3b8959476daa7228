"""Report profiles: which sections a customer's 8D has, in which order, with which labels,
filled from which record fields. Data, like the policy presets: the shipped ones live in
``generator/report/profiles/``, a repository adds or replaces one in ``report_profiles/``.

A profile is checked when loaded: by ``schema/report-profile.schema.json``, and every field it
names must exist in the complaint schema and be customer-visible (``audience``). So a profile
can never put an internal field into a customer's report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.common.diagnostics import Diagnostic
from generator.config.settings import load_schema
from generator.load.yamlload import load_yaml_file, located
from generator.policy.types import Text as Label
from generator.report.audience import audience_of, schema_path

SHIPPED = Path(__file__).resolve().parent / "profiles"
REPO_PROFILES = "report_profiles"
HEADER_FIELDS = ("id", "customer.company", "product.part_number")
"""What every report's title block and page header show, whatever the profile."""
STAGES = ("registered", "containment", "analysis", "correction", "verification", "closed")


@dataclass(frozen=True, slots=True)
class Item:
    """One field: a row of a fields block or a column of a table."""

    field: str
    """Dotted record path; in a table, relative to the list item."""
    label: Label | None = None
    required_from: str | None = None


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    """``fields``, ``table``, ``photos`` or ``signatures``."""
    field: str = ""
    """The list (table, photos) or ``approvals`` (signatures); empty for ``fields``."""
    items: tuple[Item, ...] = ()
    """Rows of a fields block, columns of a table."""
    label: Label | None = None
    required_from: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: Label
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: Label
    subtitle: Label | None
    sections: tuple[Section, ...]
    source: str
    """Where it was read, for messages (``generator/report/profiles/vda.yaml``)."""

    def shown_paths(self) -> frozenset[str]:
        """The schema paths the report fills (``kesu report --explain`` lists the rest)."""
        out = set(HEADER_FIELDS)
        for section in self.sections:
            for block in section.blocks:
                if block.kind == "fields":
                    out.update(schema_path(i.field) for i in block.items)
                elif block.kind == "table":
                    out.update(schema_path(f"{block.field}.{i.field}") for i in block.items)
                elif block.kind == "photos":
                    out.add(schema_path(block.field))
                elif block.kind == "signatures":
                    out.update(schema_path(f"approvals.{k}") for k in ("name", "role", "date"))
        return frozenset(out)


def _label(node: Any) -> Label | None:
    return Label(str(node["zh"]), str(node["en"])) if isinstance(node, Mapping) else None


def _item(node: Any) -> Item:
    if isinstance(node, str):
        return Item(node)
    return Item(str(node["field"]), _label(node.get("label")), node.get("required_from"))


def _block(node: Mapping[str, Any]) -> Block:
    label, stage = _label(node.get("label")), node.get("required_from")
    if "fields" in node:
        return Block("fields", "", tuple(map(_item, node["fields"])), label, stage)
    if "table" in node:
        items = tuple(map(_item, node["columns"]))
        return Block("table", str(node["table"]), items, label, stage)
    if "photos" in node:
        return Block("photos", str(node["photos"]), (), label, stage)
    return Block("signatures", "approvals", (), label, stage, tuple(node.get("roles", ())))


def _named_fields(data: Mapping[str, Any]) -> list[tuple[list[str | int], str]]:
    """Every field a profile names, as (where in the profile, record path)."""
    out: list[tuple[list[str | int], str]] = []
    for s, section in enumerate(data.get("sections", [])):
        for b, block in enumerate(section.get("blocks", [])):
            at: list[str | int] = ["sections", s, "blocks", b]
            if "fields" in block:
                for i, item in enumerate(block["fields"]):
                    f = item if isinstance(item, str) else item["field"]
                    out.append(([*at, "fields", i], f))
            elif "table" in block:
                out.append(([*at, "table"], block["table"]))
                for i, item in enumerate(block["columns"]):
                    f = item if isinstance(item, str) else item["field"]
                    out.append(([*at, "columns", i], f"{block['table']}.{f}"))
            elif "photos" in block:
                out.append(([*at, "photos"], block["photos"]))
    return out


def parse_profile(path: Path, shown: str) -> tuple[Profile | None, list[Diagnostic]]:
    """Load and check one profile file; ``None`` with the reasons when it is refused."""
    from generator.load.schemamsg import make_validator, schema_diagnostics

    loaded = load_yaml_file(path, shown)
    if loaded.data is None:
        return None, loaded.diagnostics
    data = loaded.data
    validator = make_validator(load_schema("report-profile"))
    diags = list(schema_diagnostics(validator, data, shown, loaded.text))
    if diags:
        return None, diags
    if data["id"] != path.stem:
        diags.append(
            located(
                shown,
                loaded.text,
                ["id"],
                "profile-id",
                f"格式编号 {data['id']!r} 与文件名 {path.stem!r} 不一致",
                f"profile id {data['id']!r} does not match the file name {path.stem!r}",
                "把 id 改成文件名（不含 .yaml）。",
                "Make the id the file name without .yaml.",
            )
        )
    for where, f in _named_fields(data):
        aud = audience_of(f)
        if aud == "":
            diags.append(
                located(
                    shown,
                    loaded.text,
                    where,
                    "profile-field",
                    f"记录中没有字段 {f}",
                    f"records have no field {f}",
                    "字段见 docs/record-fields.md；表格的列写列表项内的字段（如 owner）。",
                    "Fields are listed in docs/record-fields.md; a table's columns name fields "
                    "of the list's items (e.g. owner).",
                )
            )
        elif aud == "internal":
            diags.append(
                located(
                    shown,
                    loaded.text,
                    where,
                    "profile-internal",
                    f"字段 {f} 是内部字段（x-kesu-audience: internal），不能出现在客户报告中",
                    f"field {f} is internal (x-kesu-audience: internal) and may not be in a "
                    "customer's report",
                    "删掉这一项；确需给客户看，先在 schema 中改它的受众并说明理由。",
                    "Remove it; if the customer really must see it, change its audience in the "
                    "schema first, with the reason.",
                )
            )
    if diags:
        return None, diags
    sections = tuple(
        Section(str(s["id"]), _label(s["title"]) or Label("", ""), tuple(map(_block, s["blocks"])))
        for s in data["sections"]
    )
    title = _label(data["title"]) or Label("", "")
    return Profile(data["id"], title, _label(data.get("subtitle")), sections, shown), []


def profile_files(root: Path) -> dict[str, tuple[Path, str]]:
    """Profile id → (file, how messages name it): the shipped ones, then the repository's."""
    out = {p.stem: (p, f"generator/report/profiles/{p.name}") for p in SHIPPED.glob("*.yaml")}
    local = root / REPO_PROFILES
    if local.is_dir():
        for p in local.glob("*.yaml"):
            out[p.stem] = (p, f"{REPO_PROFILES}/{p.name}")
    return dict(sorted(out.items()))


def load_profile(root: Path, name: str) -> tuple[Profile | None, list[Diagnostic]]:
    files = profile_files(root)
    if name not in files:
        known = ", ".join(files)
        return None, [
            Diagnostic(
                "kesu.yaml",
                "profile-unknown",
                f"没有名为 {name!r} 的报告格式（有：{known}）",
                f"no report profile named {name!r} (there are: {known})",
                hint_zh=f"在 kesu.yaml 的 report 中选一个已有的格式，或把 {name}.yaml 放进 "
                f"{REPO_PROFILES}/。",
                hint_en=f"Choose one of those in kesu.yaml's report settings, or add {name}.yaml "
                f"to {REPO_PROFILES}/.",
            )
        ]
    path, shown = files[name]
    return parse_profile(path, shown)
