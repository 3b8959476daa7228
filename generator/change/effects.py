"""What a rule change, or a correction, does to the records already in the repository.

``kesu check`` computes every record twice when a change edits the rules that are data
(``kesu.yaml``, a policy file, a preset): once with the base branch's rules (the judge) and
once with the rules the change proposes, both with the judging engine. The records whose
grade or any milestone due differs are listed, before → after, so that a reviewer sees what
approving the rule change means. An approved correction of a registration field (the
received time, the customer) moves the dues computed from it the same way: those are listed
as the correction's effect (``Corrected``), and its approval covers them. Facts only; the words
are the reporter's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.compute.records import Computed


@dataclass(frozen=True, slots=True)
class Moved:
    """One value a rule change moves for one record."""

    record: str
    what: str
    """``grade``, or a milestone id."""
    name_zh: str
    name_en: str
    before: datetime | str | None
    """The grade id or due instant under the base branch's rules (None: none)."""
    after: datetime | str | None


def moved(before: Mapping[str, Computed], after: Mapping[str, Computed]) -> list[Moved]:
    """Every grade and milestone due that differs between the two computations, by record id
    then in the policy's milestone order; records in only one of them are skipped (the
    other rules could not compute them, which their own findings say)."""
    out: list[Moved] = []
    for rid in sorted(before.keys() & after.keys()):
        b, a = before[rid], after[rid]
        if b.grade.grade != a.grade.grade:
            out.append(Moved(rid, "grade", "级别", "grade", b.grade.grade, a.grade.grade))
        old = {m.id: m for m in b.milestones}
        new = {m.id: m for m in a.milestones}
        for mid in [*old, *(m for m in new if m not in old)]:
            was, now = old.get(mid), new.get(mid)
            was_due = was.due_at if was is not None else None
            now_due = now.due_at if now is not None else None
            if was_due != now_due:
                named = now if now is not None else was
                assert named is not None
                out.append(Moved(rid, mid, named.name_zh, named.name_en, was_due, now_due))
    return out


@dataclass(frozen=True, slots=True)
class Corrected:
    """What an approved correction moves for one record: the base version computed as
    registered and again with the corrected values (``rules.with_corrections``)."""

    record: str
    file: str
    fields: tuple[tuple[str, str, str], ...]
    """(field, base value, corrected value) of each corrected field."""
    moved: tuple[Moved, ...]
    """The grade and the dues the correction alone moves (before: as registered)."""
