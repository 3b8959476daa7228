"""Stage 2: validate loaded records against the schema and each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jsonschema_rs

from generator.common.diagnostics import Diagnostic
from generator.common.model import Record, RecordSet
from generator.config.settings import load_schema
from generator.load import attachments
from generator.load.cache import Caches, Verdicts, content_key
from generator.load.discover import LoadedFile, discover, load_files
from generator.time.parse import is_datetime_text
from generator.validate.crosscheck import check_identity, check_record

if TYPE_CHECKING:
    import jsonschema

RECORD_CHECK = "record"
"""The schema and the record-local checks of ``crosscheck.check_record``, as one verdict."""


@dataclass(frozen=True, slots=True)
class ValidateSettings:
    """What validation reads of ``kesu.yaml``: where the records are, the zone, the id width
    (``pipeline.validate_settings`` makes it; validation never sees the rest)."""

    root: Path
    records_dir: str
    tz: ZoneInfo
    id_digits: int

    @property
    def records_path(self) -> Path:
        return self.root / self.records_dir


@dataclass(frozen=True, slots=True)
class ValidationResult:
    records: RecordSet
    """Every record that loaded, flagged ``valid`` or not."""
    diagnostics: tuple[Diagnostic, ...] = ()
    files_checked: int = 0
    reported_files: frozenset[str] = frozenset()
    """Files whose problems are reported (all, or those the user named)."""
    texts: Mapping[str, str] = field(default_factory=dict)
    """Source text of each loaded record by display path, for locating later diagnostics."""
    digests: Mapping[str, str] = field(default_factory=dict)
    """Content hash of each loaded record by display path, when the cache is on."""

    @property
    def invalid_files(self) -> set[str]:
        return {d.file for d in self.diagnostics if d.severity == "error"}


@cache
def complaint_validator() -> jsonschema.protocols.Validator:
    """The authority: its errors become the bilingual diagnostics users read.

    Imported on first use: only records the fast pre-check rejects need it.
    """
    from generator.load.schemamsg import make_validator

    return make_validator(load_schema("complaint"))


@cache
def fast_complaint_check() -> Callable[[Any], bool]:
    """A yes/no pre-check of the same schema, about 50 times faster (jsonschema-rs).

    Python ``jsonschema`` costs about 3 ms per record with this schema (40 s for 10,000
    records; docs/performance.md), almost all of it on records that are valid. The Rust
    validator answers "valid?" in about 0.06 ms; only records it rejects go through the
    Python validator, which stays the authority for what is reported (if the two ever
    disagreed on a rejection, the Python validator's empty answer wins). A differential test
    (tests/test_schema_fast_path.py) pins that they agree.
    """
    validator = jsonschema_rs.validator_for(
        load_schema("complaint"),
        validate_formats=True,
        formats={"kesu-datetime": is_datetime_text},
    )

    def is_valid(data: Any) -> bool:
        try:
            return bool(validator.is_valid(data))
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, so not for Rust to judge
            return False

    return is_valid


def _schema_diagnostics(lf: LoadedFile) -> list[Diagnostic]:
    from generator.load.schemamsg import schema_diagnostics

    return list(schema_diagnostics(complaint_validator(), lf.data, lf.display, lf.text))


def validate_files(
    files: Sequence[LoadedFile], config: ValidateSettings, verdicts: Verdicts | None = None
) -> list[Diagnostic]:
    """Schema and cross-record checks for ``files``, which must be the whole record set.

    A record whose bytes already passed the schema and the record-local checks under the
    same code and time zone is not checked again (``cache.Verdicts``); links, ids and
    attachments, which depend on the other files, are checked every time.
    """
    fast_ok = fast_complaint_check()
    attachments.clear_cache()  # which folders are links: looked up once per validation
    verdicts = verdicts or Verdicts(None)
    key = content_key(config.tz.key)
    diags: list[Diagnostic] = []
    schema_ok: list[tuple[LoadedFile, bool]] = []
    for lf in files:
        diags.extend(lf.diagnostics)
        if lf.data is None:
            continue
        if not lf.diagnostics and verdicts.passed(RECORD_CHECK, lf.digest, key):
            schema_ok.append((lf, True))
            continue
        errs = [] if fast_ok(lf.data) else list(_schema_diagnostics(lf))
        diags.extend(errs)
        if not errs:
            schema_ok.append((lf, False))
    diags.extend(check_identity(files, config.id_digits))
    known = {
        lf.data["id"] for lf in files if lf.data is not None and isinstance(lf.data.get("id"), str)
    }
    for lf, passed in schema_ok:
        found, local_clean = check_record(lf, known, config.root, config.tz, local=not passed)
        diags.extend(found)
        if local_clean and not lf.diagnostics:
            verdicts.record_pass(RECORD_CHECK, lf.digest, key)
    return diags


def validate_repository(
    config: ValidateSettings, paths: Sequence[Path] = (), caches: Caches | None = None
) -> ValidationResult:
    """Load and check every record; report on ``paths`` only when given.

    The whole records folder is always loaded, because links, reopenings and id uniqueness
    are about the set, not one file. ``caches`` (the command's, ``Caches.open``) skip what
    unchanged records already passed; without them everything is parsed and checked.
    """
    root_files, disc = discover([config.records_path], config.root)
    extra: list[Path] = []
    named: set[str] = set()
    if paths:
        sel, disc2 = discover(paths, config.root)
        disc = [d for d in disc if any(d.file.startswith(p.as_posix()) for p in paths)] + disc2
        resolved = {f.resolve() for f in root_files}
        extra = [p for p in sel if p.resolve() not in resolved]
        named = {f.resolve().as_posix() for f in sel}
    loaded = load_files([*root_files, *extra], config.root, caches.records if caches else None)
    diags = disc + validate_files(loaded, config, caches.verdicts if caches else None)
    reported = {lf.display for lf in loaded if not named or lf.path.resolve().as_posix() in named}
    reported |= {d.file for d in disc}
    diags = [d for d in diags if d.file in reported]
    bad = {d.file for d in diags if d.severity == "error"}
    records = RecordSet()
    for lf in loaded:
        if lf.data is not None:
            records.add(
                Record(id=lf.stem, path=lf.display, data=lf.data, valid=lf.display not in bad)
            )
    return ValidationResult(
        records=records,
        diagnostics=tuple(diags),
        files_checked=len([lf for lf in loaded if lf.display in reported]),
        reported_files=frozenset(reported),
        texts={lf.display: lf.text for lf in loaded if lf.text is not None},
        digests={lf.display: lf.digest for lf in loaded if lf.digest is not None},
    )
