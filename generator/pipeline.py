"""load → validate → compute, composed once for every command that needs them.

Commands call ``analyse`` (or ``validate_with_policy``) instead of wiring the stages
themselves, so the calendar, the policy and the config knobs are applied the same way by
``validate``, ``show``, ``export``, ``check`` and ``build``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.common.diagnostics import Diagnostic
from generator.config.settings import RepoConfig
from generator.load.cache import Caches, Verdicts, content_key
from generator.validate.records import ValidateSettings, ValidationResult, validate_repository

if TYPE_CHECKING:
    from generator.common.model import Record
    from generator.compute.grading import GradeResult
    from generator.compute.records import Computed
    from generator.policy.loader import Policy
    from generator.time.workcal import OfficialCalendar, WorkCalendar


STAGE_CHECK = "stage"
"""The policy's stage completeness for a record and its computed grade, as one verdict."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the later stages need, computed once."""

    validation: ValidationResult
    as_of: datetime
    """The instant everything was computed for."""
    policy: Policy | None
    calendar: WorkCalendar | None
    computed: Mapping[str, Computed] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    """Validation diagnostics plus policy diagnostics (and policy-based record checks)."""
    due_soon_days: int = 2
    """From the configuration: how near a due counts as "due soon"."""

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def validate_settings(config: RepoConfig) -> ValidateSettings:
    """What validation reads of the configuration (it never gets the whole of it)."""
    return ValidateSettings(config.root, config.records_dir, config.tz, config.id_digits)


def make_calendar(config: RepoConfig, official: OfficialCalendar | None = None) -> WorkCalendar:
    """The working calendar: ``official`` (default: Kesu's years with the repository's own,
    ``calendars.repository_calendar``) plus the company's days and hours from ``kesu.yaml``."""
    from generator.time.workcal import WorkCalendar, WorkingHours

    if official is None:
        from generator.config.calendars import repository_calendar

        official, problems = repository_calendar(config)
        if official is None:
            raise ValueError(problems[0].message_en)
    return WorkCalendar(
        official,
        config.tz,
        config.shutdown_days,
        config.extra_workdays,
        WorkingHours(config.working_hours),
    )


def analyse(
    config: RepoConfig,
    as_of: datetime,
    paths: Sequence[Path] = (),
    *,
    deadlines: bool = True,
    caches: Caches | None = None,
) -> Analysis:
    """Validate every record, load the policy, compute grades and deadlines for valid records.

    Invalid records are left out of the computation (their fields cannot be trusted) but stay
    in ``validation.records`` so pages can still list them as invalid. Without ``deadlines``
    only the grades are computed (all that the policy checks read) and ``computed`` is empty.
    ``caches`` are the command's (``Caches.open``); the command saves them when it is done.
    """
    return _analyse(config, as_of, paths, deadlines, caches or Caches.off())


def _analyse(
    config: RepoConfig, as_of: datetime, paths: Sequence[Path], deadlines: bool, caches: Caches
) -> Analysis:
    from generator.compute.records import compute_all, compute_grades
    from generator.config.calendars import repository_calendar
    from generator.policy.loader import load_policy

    validation = validate_repository(validate_settings(config), paths, caches)
    policy, policy_diags = load_policy(config)
    official, calendar_diags = repository_calendar(config)
    diags = [*validation.diagnostics, *policy_diags, *calendar_diags]
    soon = config.due_soon_days
    if policy is None or official is None:
        return Analysis(validation, as_of, None, None, {}, tuple(diags), soon)
    calendar = make_calendar(config, official)
    valid = [r for r in validation.records.records if r.valid]
    if deadlines:
        computed = compute_all(valid, policy, calendar, as_of, due_soon_days=soon)
        grades = {rid: c.grade for rid, c in computed.items()}
    else:
        computed, grades = {}, compute_grades(valid, policy, config.tz)
    diags.extend(_policy_checks(validation, policy, grades, caches.verdicts))
    return Analysis(validation, as_of, policy, calendar, computed, tuple(diags), soon)


def recompute(
    analysis: Analysis,
    *,
    records: Sequence[Record] | None = None,
    policy: Policy | None = None,
    calendar: WorkCalendar | None = None,
    due_soon_days: int | None = None,
) -> dict[str, Computed]:
    """The compute step of ``analyse`` again, with some of its inputs replaced.

    ``kesu check`` computes the changed records at their base version (``records``) and every
    record under the proposed rules (``policy``, ``calendar``) this way: by the same call as
    the first pass, over the whole set, so nothing needs a second model of what compute reads.
    Empty when the analysis has no policy or calendar.
    """
    from generator.compute.records import compute_all

    policy = policy or analysis.policy
    calendar = calendar or analysis.calendar
    if policy is None or calendar is None:
        return {}
    if records is None:
        records = [r for r in analysis.validation.records.records if r.valid]
    soon = analysis.due_soon_days if due_soon_days is None else due_soon_days
    return compute_all(records, policy, calendar, analysis.as_of, due_soon_days=soon)


def _policy_checks(
    validation: ValidationResult,
    policy: Policy,
    grades: Mapping[str, GradeResult],
    verdicts: Verdicts,
) -> list[Diagnostic]:
    """Record checks that need the policy: stage completeness, declared grades, milestone ids.

    A record whose bytes already passed the stage checks for the same policy and computed
    grade is not checked again (``cache.Verdicts``; see ``policychecks.stage_checks``).
    """
    from generator.validate.stages import policy_record_checks, stage_checks

    policy_key = content_key(
        json.dumps(policy.raw, sort_keys=True, ensure_ascii=False, default=str)
    )
    keys: dict[str, str] = {}
    texts = validation.texts
    out: list[Diagnostic] = []
    for record in validation.records.records:
        if not record.valid or record.path not in validation.reported_files:
            continue
        result = grades.get(record.id)
        if result is None:
            continue
        text = texts.get(record.path)
        out.extend(policy_record_checks(record, text, policy, result, stages=False))
        grade = result.grade
        key = keys.get(grade) or keys.setdefault(grade, content_key(policy_key, grade))
        digest = validation.digests.get(record.path)
        if verdicts.passed(STAGE_CHECK, digest, key):
            continue
        found = stage_checks(record, text, policy, result)
        out.extend(found)
        if not found:
            verdicts.record_pass(STAGE_CHECK, digest, key)
    return out


def validate_with_policy(
    config: RepoConfig,
    as_of: datetime,
    paths: Sequence[Path] = (),
    caches: Caches | None = None,
) -> ValidationResult:
    """Everything ``kesu validate`` reports: schema, cross-record and policy checks, and one
    warning while the official calendar of this year (or, from 1 November, of the next) is
    missing (``calendars.missing_year``).

    No record check depends on the time (overdue flags are not validation errors), so
    ``as_of`` (the command's ``--as-of``, else now) only decides which calendar year should be
    there.
    """
    from generator.config.calendars import missing_year, missing_year_diagnostic

    analysis = analyse(config, as_of, paths, deadlines=False, caches=caches)
    diagnostics = list(analysis.diagnostics)
    if analysis.calendar is not None:
        year = missing_year(analysis.calendar.official, as_of.astimezone(config.tz))
        if year is not None:
            diagnostics.append(missing_year_diagnostic(config, year))
    return dataclasses.replace(analysis.validation, diagnostics=tuple(diagnostics))
