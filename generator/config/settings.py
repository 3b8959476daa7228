"""The repository config, ``kesu.yaml`` at the root of a records repository."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.common.diagnostics import Diagnostic
from generator.config.rulesource import RuleSource, WorkTreeRules
from generator.load.yamlload import load_yaml_bytes, load_yaml_file, located

CONFIG_NAME = "kesu.yaml"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with the generator: ``complaint``, ``policy`` or ``config``."""
    with (SCHEMA_DIR / f"{name}.schema.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    login: str | None = None
    roles: tuple[str, ...] = ()
    department: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """Settings of one records repository, with defaults filled in."""

    root: Path
    preset: str = "000"
    policy_file: str | None = None
    policy_overrides: Mapping[str, Any] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    id_prefix: str = "KS"
    records_dir: str = "records"
    shutdown_days: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()
    working_hours: tuple[tuple[time, time], ...] = (
        (time(8, 30), time(12, 0)),
        (time(13, 0), time(17, 30)),
    )
    official_calendar_dir: str = "calendar"
    """The folder of the repository's official-calendar years (``kesu calendar add``)."""
    people: tuple[Person, ...] = ()
    site_title: str = "客诉与8D"
    mask_contacts: bool = True
    due_soon_days: int = 2
    site_engine: str = "mkdocs"
    """The site engine ``kesu build`` runs: ``mkdocs`` or ``zensical`` (generator/site/)."""
    defect_codes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Defect code → (Chinese name, English name), shown beside the code (``site.defect_codes``)."""
    stalled_days: int = 14
    """An open record with no open milestone due and no change for this long is stalled."""
    stalled_days_by_status: Mapping[str, int] = field(default_factory=dict)
    reminder_hours: int = 24
    """Calendar reminders (VALARM) this many hours before a deadline; 0: none."""
    site_url: str | None = None
    """Where the site is served (``site.url``); None when it is published as a zip."""
    chart_font: str | None = None
    """The CJK font file the charts use; None: the usual places (``render.charts``)."""
    notifications_enabled: bool = False
    notifications_kind: str | None = None
    id_digits: int = 4
    """The width of an id's sequence number: ``KS-2026-0025`` (numbers past 9999 grow)."""
    report: Mapping[str, Any] = field(default_factory=dict)
    """The ``report`` settings as written (``generator.report.make`` reads them)."""
    rules: RuleSource | None = field(default=None, compare=False)
    """Where ``kesu.yaml`` and the policy file were read: the working tree (None) or a Git
    revision (``kesu check`` judges a change by the base branch's rules)."""

    @property
    def rule_source(self) -> RuleSource:
        return self.rules if self.rules is not None else WorkTreeRules(self.root)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def records_path(self) -> Path:
        return self.root / self.records_dir


def _expand_days(items: list[str]) -> tuple[date, ...]:
    out: list[date] = []
    for item in items:
        first, _, last = item.partition("..")
        a = date.fromisoformat(first)
        b = date.fromisoformat(last) if last else a
        if b < a:
            raise ValueError(f"range ends before it starts: {item}")
        while a <= b:
            out.append(a)
            a += timedelta(days=1)
    return tuple(out)


def _parse_hours(items: list[str]) -> tuple[tuple[time, time], ...]:
    blocks = []
    for item in items:
        a, b = item.split("-")
        start, end = time.fromisoformat(a), time.fromisoformat(b)
        if end <= start:
            raise ValueError(f"working period ends before it starts: {item}")
        blocks.append((start, end))
    return tuple(sorted(blocks))


def _value_error(
    text: str | None,
    path: list[str | int],
    zh: str,
    en: str,
    hint_zh: str,
    hint_en: str,
    shown: str = CONFIG_NAME,
) -> Diagnostic:
    return located(shown, text, path, "config-value", zh, en, hint_zh, hint_en)


def load_config(root: Path) -> tuple[RepoConfig, list[Diagnostic]]:
    """Read ``kesu.yaml``; a missing file means all defaults. Never raises on bad input."""
    path = root / CONFIG_NAME
    if not path.exists():
        return RepoConfig(root=root), []
    return _parse(root, load_yaml_file(path, CONFIG_NAME), None)


def load_config_from(root: Path, rules: RuleSource) -> tuple[RepoConfig, list[Diagnostic]]:
    """``kesu.yaml`` as ``rules`` hold it (a Git revision), for the records under ``root``.

    The policy file the config names is read from the same source (``policy.load_policy``).
    A revision without ``kesu.yaml`` means all defaults, as a missing file does.
    """
    raw = rules.read(CONFIG_NAME)
    if raw is None:
        return RepoConfig(root=root, rules=rules), []
    return _parse(root, load_yaml_bytes(raw, rules.display(CONFIG_NAME)), rules)


def _parse(
    root: Path, loaded: Any, rules: RuleSource | None
) -> tuple[RepoConfig, list[Diagnostic]]:
    shown = rules.display(CONFIG_NAME) if rules is not None else CONFIG_NAME
    if loaded.data is None:
        return RepoConfig(root=root, rules=rules), loaded.diagnostics
    data: dict[str, Any] = loaded.data
    # only when there is a kesu.yaml to check (jsonschema takes 50 ms to import)
    from generator.load.schemamsg import make_validator, schema_diagnostics

    validator = make_validator(load_schema("config"))
    diags = list(schema_diagnostics(validator, data, shown, loaded.text))
    if diags:
        return RepoConfig(root=root, rules=rules), diags
    cal = data.get("calendar", {})
    site = data.get("site", {})
    notes = data.get("notifications", {})
    try:
        ZoneInfo(data.get("timezone", "Asia/Shanghai"))
        shutdown = _expand_days(cal.get("shutdown_days", []))
        extra = _expand_days(cal.get("extra_workdays", []))
        hours = _parse_hours(cal["working_hours"]) if "working_hours" in cal else None
    except ZoneInfoNotFoundError:
        return RepoConfig(root=root, rules=rules), [
            _value_error(
                loaded.text,
                ["timezone"],
                f"未知的时区 {data.get('timezone')!r}",
                f"Unknown time zone {data.get('timezone')!r}",
                "用 IANA 时区名，如 Asia/Shanghai。",
                "Use an IANA zone name, e.g. Asia/Shanghai.",
                shown,
            )
        ]
    except ValueError as exc:
        return RepoConfig(root=root, rules=rules), [
            _value_error(
                loaded.text,
                ["calendar"],
                f"日历设置无效：{exc}",
                f"Invalid calendar setting: {exc}",
                "日期用 YYYY-MM-DD，区间写 2026-02-10..2026-02-24，工作时间写 08:30-12:00。",
                "Dates as YYYY-MM-DD, ranges as 2026-02-10..2026-02-24, hours as 08:30-12:00.",
                shown,
            )
        ]
    people = tuple(
        Person(
            name=p["name"],
            login=p.get("login"),
            roles=tuple(p.get("roles", [])),
            department=p.get("department"),
            email=p.get("email"),
        )
        for p in data.get("people", [])
    )
    defaults = RepoConfig(root=root)
    return (
        RepoConfig(
            root=root,
            preset=data.get("preset", defaults.preset),
            policy_file=data.get("policy_file"),
            policy_overrides=data.get("policy_overrides", {}),
            timezone=data.get("timezone", defaults.timezone),
            language=data.get("language", defaults.language),
            id_prefix=data.get("id_prefix", defaults.id_prefix),
            records_dir=data.get("records_dir", defaults.records_dir),
            shutdown_days=shutdown,
            extra_workdays=extra,
            working_hours=hours or defaults.working_hours,
            official_calendar_dir=cal.get("official_dir", defaults.official_calendar_dir),
            people=people,
            site_title=site.get("title", defaults.site_title),
            mask_contacts=site.get("mask_contacts", True),
            due_soon_days=site.get("due_soon_days", 2),
            site_engine=site.get("engine", defaults.site_engine),
            defect_codes={
                code: (names["zh"], names.get("en", names["zh"]))
                for code, names in site.get("defect_codes", {}).items()
            },
            stalled_days=site.get("stalled_days", defaults.stalled_days),
            stalled_days_by_status=dict(site.get("stalled_days_by_status", {})),
            reminder_hours=site.get("reminder_hours", defaults.reminder_hours),
            site_url=site.get("url"),
            chart_font=site.get("chart_font"),
            notifications_enabled=notes.get("enabled", False),
            notifications_kind=notes.get("kind"),
            id_digits=data.get("id_digits", defaults.id_digits),
            report=data.get("report", {}),
            rules=rules,
        ),
        [],
    )
