"""The view every page renders from: one row per record, indexed once.

Built in one pass over the records and the policy engine's results, before any page is
rendered, so no page ever scans all records inside a per-record loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from generator.common.model import LateRecorded, Record
from generator.compute.deadlines import MilestoneResult
from generator.compute.grading import Reason as GradingReason
from generator.render.explain import explanation
from generator.render.history import Revision, StatusMove
from generator.render.i18n import pick
from generator.render.reasons import reason_text
from generator.time.parse import try_instant

OPEN_STATES = ("pending", "due_soon", "overdue")
CLOSED_STATUSES = ("closed", "cancelled")


@dataclass(frozen=True, slots=True)
class Deadline:
    record_id: str
    id: str
    name: str
    start_at: datetime | None
    due_at: datetime | None
    original_due_at: datetime | None
    due_source: str
    done_at: datetime | None
    state: str
    late_by: timedelta | None
    estimated: bool
    explanation: str

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def open_at(self, when: datetime) -> bool:
        """Applicable and not done at ``when`` (historical snapshots for weekly pages)."""
        if self.state in ("not_applicable", "cancelled") or self.due_at is None:
            return False
        return self.done_at is None or self.done_at > when

    def overdue_at(self, when: datetime) -> bool:
        return self.open_at(when) and self.due_at is not None and self.due_at < when


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: str
    text: str
    records: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Row:
    record: Record
    id: str
    title: str
    received_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    customer: str
    product: str
    part_number: str
    category: str
    status: str
    department: str
    owner: str
    defect_code: str
    grade: str
    grade_name: str
    reasons: tuple[Reason, ...]
    deadlines: tuple[Deadline, ...]
    next_due: Deadline | None
    overdue: tuple[Deadline, ...]
    days_open: int | None

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def imported(self) -> bool:
        """History imported from an old ledger (``imported``): marked wherever it is listed."""
        return isinstance(self.record.data.get("imported"), Mapping)

    @property
    def year(self) -> int:
        return self.received_at.year if self.received_at else 0

    def open_at(self, when: datetime) -> bool:
        """Received and not yet closed or cancelled at ``when``."""
        if self.received_at is None or self.received_at > when:
            return False
        if self.status in CLOSED_STATUSES:
            end = self.closed_at or self.cancelled_at
            return end is not None and end > when
        return True


@dataclass(frozen=True, slots=True)
class PageSettings:
    """What the pages read of ``kesu.yaml``, and nothing else: the site build makes it from
    the repository's configuration (``site.build.page_settings``)."""

    timezone: str
    site_title: str
    site_url: str | None
    """Where the site is published, for absolute links in the calendar feeds."""
    mask_contacts: bool
    defect_codes: Mapping[str, tuple[str, str]]
    """Defect code → (Chinese name, English name)."""
    stalled_days: int
    stalled_days_by_status: Mapping[str, int]
    reminder_hours: int
    """The calendar feeds' reminder, hours before a due."""
    chart_font: str | None
    """The charts' font file, an absolute path (None: the default fonts)."""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(slots=True)
class SiteData:
    settings: PageSettings
    lang: str
    as_of: datetime
    built_at: datetime
    commit: str
    rows: list[Row]
    by_id: dict[str, Row]
    policy: Any
    history: Mapping[str, list[Revision]]
    penalties: list[Any] = field(default_factory=list)
    referenced_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    reopened_as: dict[str, list[str]] = field(default_factory=dict)
    late: Mapping[str, list[LateRecorded]] = field(default_factory=dict)
    """Completion times entered after the fact, by record id (``generator.change.recorded``)."""
    moves: Mapping[str, list[StatusMove]] = field(default_factory=dict)
    """Status moves from Git, oldest first, by record id (``history.status_moves``)."""
    missing_year: int | None = None
    """The year whose official calendar should be in by ``as_of`` and is not
    (``calendars.missing_year``): the dashboard says so, once."""
    reports: Mapping[str, str] = field(default_factory=dict)
    """Record id → the profile of the customer report the build publishes for it
    (``generator.report.site``); the 8D page links the PDF and the Excel file."""

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz


def _dt(value: object, tz: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(tz)
    return try_instant(value, tz)


def _deadline(record_id: str, m: Any, lang: str, tz: ZoneInfo) -> Deadline:
    late = getattr(m, "late_by", None)
    return Deadline(
        record_id=record_id,
        id=str(getattr(m, "id", "")),
        name=pick(getattr(m, "name_zh", ""), getattr(m, "name_en", ""), lang),
        start_at=_dt(getattr(m, "start_at", None), tz),
        due_at=_dt(getattr(m, "due_at", None), tz),
        original_due_at=_dt(getattr(m, "original_due_at", None), tz),
        due_source=str(getattr(m, "due_source", "") or ""),
        done_at=_dt(getattr(m, "done_at", None), tz),
        state=str(getattr(m, "state", "pending")),
        late_by=late if isinstance(late, timedelta) else None,
        estimated=bool(getattr(m, "estimated", False)),
        explanation=explanation(m, lang) if isinstance(m, MilestoneResult) else "",
    )


def _reasons(grade: Any, lang: str) -> tuple[Reason, ...]:
    out = []
    for r in getattr(grade, "reasons", ()) or ():
        out.append(
            Reason(
                criterion=str(getattr(r, "criterion", "")),
                text=reason_text(r, lang) if isinstance(r, GradingReason) else "",
                records=tuple(str(x) for x in (getattr(r, "records", ()) or ())),
            )
        )
    return tuple(out)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def build_row(record: Record, computed: Any, as_of: datetime, lang: str, tz: ZoneInfo) -> Row:
    """One ledger row; ``computed`` may be ``None`` for a record the engine could not trust."""
    grade = getattr(computed, "grade", None)
    milestones = getattr(computed, "milestones", ()) or ()
    deadlines = tuple(_deadline(record.id, m, lang, tz) for m in milestones)
    open_dl = sorted(
        (d for d in deadlines if d.is_open and d.due_at is not None),
        key=lambda d: d.due_at or as_of,
    )
    received = _dt(record.get("received_at"), tz)
    closed = None
    if record.get("status") == "closed":
        closed = _dt(record.get("d8_closure.closed_at"), tz)
    cancelled = None
    if record.get("status") == "cancelled" or getattr(computed, "cancelled", False):
        cancelled = _dt(record.get("cancellation.at"), tz) or received
    end = closed or cancelled or as_of
    days_open = (end - received).days if received is not None and end >= received else None
    return Row(
        record=record,
        id=record.id,
        title=_text(record.get("title")),
        received_at=received,
        closed_at=closed,
        cancelled_at=cancelled,
        customer=_text(record.get("customer.company")),
        product=_text(record.get("product.name")),
        part_number=_text(record.get("product.part_number")),
        category=_text(record.get("category")),
        status=_text(record.get("status")),
        department=_text(record.get("responsibility.responsible_department")),
        owner=_text(record.get("responsibility.owner")),
        defect_code=_text(record.get("defect_code")),
        grade=_text(getattr(grade, "grade", "")),
        grade_name=pick(getattr(grade, "name_zh", ""), getattr(grade, "name_en", ""), lang),
        reasons=_reasons(grade, lang),
        deadlines=deadlines,
        next_due=open_dl[0] if open_dl else None,
        overdue=tuple(d for d in deadlines if d.state == "overdue"),
        days_open=days_open,
    )


def build_site_data(
    settings: PageSettings,
    records: Iterable[Record],
    computed: Mapping[str, Any],
    *,
    policy: Any,
    as_of: datetime,
    built_at: datetime,
    lang: str,
    commit: str,
    history: Mapping[str, list[Revision]],
    late: Mapping[str, list[LateRecorded]] | None = None,
    missing_year: int | None = None,
    moves: Mapping[str, list[StatusMove]] | None = None,
) -> SiteData:
    tz = settings.tz
    as_of = as_of.astimezone(tz)
    rows = [build_row(r, computed.get(r.id), as_of, lang, tz) for r in records]
    # A site "as of" an instant shows what was known then: later complaints are left out.
    rows = [r for r in rows if r.received_at is None or r.received_at <= as_of]
    rows.sort(key=lambda r: (r.received_at or as_of, r.id))
    referenced: dict[str, list[tuple[str, str]]] = defaultdict(list)
    reopened: dict[str, list[str]] = defaultdict(list)
    penalties: list[Any] = []
    for row in rows:
        for link in row.record.get("links") or ():
            if isinstance(link, Mapping) and isinstance(link.get("id"), str):
                referenced[link["id"]].append((row.id, _text(link.get("relation"))))
        parent = row.record.get("reopen_of")
        if isinstance(parent, str):
            reopened[parent].append(row.id)
        penalties.extend(getattr(computed.get(row.id), "penalties", ()) or ())
    return SiteData(
        settings=settings,
        lang=lang,
        as_of=as_of,
        built_at=built_at.astimezone(tz),
        commit=commit,
        rows=rows,
        by_id={r.id: r for r in rows},
        policy=policy,
        history=history,
        late=late or {},
        moves=moves or {},
        missing_year=missing_year,
        penalties=penalties,
        referenced_by=dict(referenced),
        reopened_as=dict(reopened),
    )
