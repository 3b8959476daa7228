"""Recurrence suggestions: earlier records that are probably the same problem under another key.

Escalation counts earlier records with the same ``problem_key``, typed by hand; one engineer's
``华东汽车电子/WH-BCM-A12/MIS-WIRE`` is another's ``華東汽車/WH-BCM-A12/MISWIRE``, and a second
occurrence stays a first. This module finds such pairs and says why they look alike and what
grade the record would get if they shared the key. A suggestion is a fact for the reporters;
it never changes a grade, and ``distinct_from`` on either record silences the pair.

Texts are compared after normalising (OpenCC traditional → simplified, NFKC for full-width
forms, case-folded, without spaces and punctuation); part numbers and codes also without
separators. Similarities are rapidfuzz ratios (0–1): names by ``partial_ratio`` (一 name inside
the other: 华东汽车 / 华东汽车电子), codes by ``ratio``, descriptions by ``token_sort_ratio`` over
character bigrams (order-free, as Chinese has no spaces). A pair is suggested when the keys
are near-equal, or when the same customer and part number come with a similar defect code or
description, or the same part number with both. Precision and recall on a synthetic set with
seeded near-duplicates are measured by ``bench/recurrence.py`` (docs/recurrence.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from itertools import permutations
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from generator.common.model import Record
from generator.policy.conditions import Recurrence, Window, walk
from generator.policy.recordpaths import KEY_ALIASES, key_value
from generator.time.parse import try_instant

if TYPE_CHECKING:
    from generator.policy.types import Policy

KEY_SIMILAR = 0.85
SAME = 0.9
CODE_SIMILAR = 0.8
TEXT_SIMILAR = 0.7
MAX_PER_RECORD = 3
_COMPANY_WORDS = re.compile(r"(股份)?有限(责任)?公司|集团|公司|科技|实业|电子科技|工业|制造|厂$")
_PUNCT = re.compile(r"[\W_]+")


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def normal(text: str) -> str:
    """Simplified, half-width, case-folded, without spaces or punctuation."""
    plain = unicodedata.normalize("NFKC", _t2s().convert(text)).casefold()
    return _PUNCT.sub("", plain)


def _company(text: str) -> str:
    return _COMPANY_WORDS.sub("", normal(text))


def _bigrams(text: str) -> str:
    t = normal(text)
    return " ".join(t[i : i + 2] for i in range(max(len(t) - 1, 1)))


def _key_parts(key: str) -> tuple[str, ...]:
    """The key's parts, normalised; the first (a customer) without company words."""
    parts = [normal(p) for p in re.split(r"[/|]", unicodedata.normalize("NFKC", key))]
    parts = [p for p in parts if p]
    return (_COMPANY_WORDS.sub("", parts[0]), *parts[1:]) if parts else ()


def _without(text: str, company: str, part: str, key: str) -> str:
    """The text less the names a key is made of, which say nothing about the defect."""
    plain = normal(text)
    names = {_company(company), normal(part), *_key_parts(key)[:-1]}
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= 2:
            plain = plain.replace(name, "")
    return plain


@dataclass(frozen=True, slots=True)
class Features:
    """What a record is compared by, normalised once."""

    key: str
    key_parts: tuple[str, ...]
    customer_code: str
    company: str
    part: str
    product: str
    """The product's name: compared when a part number is missing (``kesu new`` asks for the
    name only)."""
    defect: str
    text: str
    distinct: frozenset[str]


def features(record: Record) -> Features:
    def s(path: str) -> str:
        value = record.get(path)
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""

    distinct = record.get("distinct_from") or ()
    return Features(
        key=normal(s("problem_key")),
        key_parts=_key_parts(s("problem_key")),
        customer_code=normal(s("customer.code")),
        company=_company(s("customer.company")),
        part=normal(s("product.part_number")),
        product=normal(s("product.name")),
        defect=normal(s("defect_code")),
        text=_bigrams(
            _without(
                " ".join(x for x in (s("title"), s("description")) if x),
                s("customer.company"),
                s("product.part_number"),
                s("problem_key"),
            )
        ),
        distinct=frozenset(
            d["id"] for d in distinct if isinstance(d, Mapping) and isinstance(d.get("id"), str)
        ),
    )


@dataclass(frozen=True, slots=True)
class Alike:
    """One way two records look alike: ``what`` (problem_key, customer, part_number,
    defect_code, description) and how similar (0–1)."""

    what: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Earlier record ``earlier`` is probably the same problem as ``record``."""

    record: str
    earlier: str
    link: tuple[tuple[str, str], ...]
    """The fields to write as the earlier record has them (path, value) for the policy's
    recurrence keys to count both: usually ``problem_key``."""
    alike: tuple[Alike, ...]
    apart: tuple[tuple[str, ...], ...]
    """The policy's recurrence keys that do not count the two together (``problem_key``;
    under preset 002 ``part_number + defect_code`` or ``customer``)."""
    windows: tuple[Window, ...]
    """The policy's recurrence windows the earlier record is inside."""
    score: float
    grade: str = ""
    """The record's grade now."""
    grade_if_linked: str = ""
    """The grade it would get with the earlier record's key."""


def _ratio(scorer: Any, a: str, b: str) -> float:
    return float(scorer(a, b)) / 100 if a and b else 0.0


def _key_similarity(a: Features, b: Features) -> float:
    """Part by part when both keys have the same parts (the first, a customer, may be
    shortened: 华东汽车 for 华东汽车电子), else as a whole."""
    n = len(a.key_parts)
    if n == len(b.key_parts) and 1 < n <= 5:
        first = _ratio(fuzz.partial_ratio, a.key_parts[0], b.key_parts[0])
        if first < KEY_SIMILAR:
            return first
        rest = a.key_parts[1:]
        best = max(  # the other parts in any order: 华东汽车/MIS-WIRE/WH-BCM-A12
            min(_ratio(fuzz.ratio, x, y) for x, y in zip(rest, order, strict=True))
            for order in permutations(b.key_parts[1:])
        )
        return min(first, best)
    return _ratio(fuzz.ratio, a.key, b.key)


def compare(a: Features, b: Features) -> tuple[Alike, ...] | None:
    """Why ``a`` and ``b`` look like one problem, or None when they do not: a near-equal
    key, or the same customer with the same (or a near-equal) part number and a similar
    defect code or description."""
    if a.customer_code and a.customer_code == b.customer_code:
        customer = 1.0
    else:
        customer = _ratio(fuzz.partial_ratio, a.company, b.company)
    key = _key_similarity(a, b)
    if customer < SAME and key < KEY_SIMILAR:
        return None
    if a.part and b.part:
        part = _ratio(fuzz.ratio, a.part, b.part)
    else:
        part = _ratio(fuzz.ratio, a.product, b.product)
    defect = _ratio(fuzz.ratio, a.defect, b.defect)
    text = _ratio(fuzz.token_sort_ratio, a.text, b.text)
    if not (
        key >= KEY_SIMILAR
        or (part >= SAME and (defect >= CODE_SIMILAR or text >= TEXT_SIMILAR))
        or (part >= CODE_SIMILAR and defect >= CODE_SIMILAR and text >= TEXT_SIMILAR)
    ):
        return None
    found = (
        ("problem_key", key, KEY_SIMILAR),
        ("customer", customer, SAME),
        ("part_number", part, SAME),
        ("defect_code", defect, CODE_SIMILAR),
        ("description", text, TEXT_SIMILAR),
    )
    return tuple(Alike(w, round(v, 2)) for w, v, floor in found if v >= floor)


def recurrence_rules(policy: Policy) -> tuple[tuple[tuple[str, ...], ...], tuple[Window, ...]]:
    """The keys the policy's recurrence criteria count by, and their windows (shortest first);
    none: the policy counts no recurrence, and there is nothing to suggest."""
    found = [
        c
        for g in policy.grades
        for cr in g.criteria
        if cr.when is not None
        for c in walk(cr.when.node)
        if isinstance(c, Recurrence)
    ]
    keys = tuple(dict.fromkeys(r.key for r in found))
    windows = tuple(sorted({r.window for r in found}, key=lambda w: w.months * 31 + w.days))
    return keys, windows


def _received(record: Record, tz: ZoneInfo) -> datetime | None:
    return try_instant(record.get("received_at"), tz)


def _values(record: Record, keys: Sequence[tuple[str, ...]]) -> tuple[Any, ...]:
    return tuple(key_value(record, k) for k in keys)


Field = tuple[str, str]
"""A field's dotted path and the value to write there."""


def _link(target: Record, earlier: Record, keys: Sequence[tuple[str, ...]]) -> tuple[Field, ...]:
    """The fields to write as the earlier record has them for every key to count both: for
    a named key its first path the earlier record fills (``customer``: code, else company)."""
    out: dict[str, str] = {}
    for key in keys:
        if key_value(target, key) is not None and key_value(target, key) == key_value(earlier, key):
            continue
        for part in key:
            for path in KEY_ALIASES.get(part, (part,)):
                value = earlier.get(path)
                if isinstance(value, str) and value.strip():
                    if target.get(path) != value:
                        out[path] = value
                    break
    return tuple(out.items())


def suggest(
    targets: Iterable[Record],
    records: Sequence[Record],
    policy: Policy,
    tz: ZoneInfo,
    *,
    grades: bool = True,
) -> list[Suggestion]:
    """For each target, the earlier records (inside a recurrence window, not cancelled, not
    silenced by ``distinct_from``) that look like the same problem while some recurrence key
    of the policy does not count them together: the best ``MAX_PER_RECORD``, most alike
    first. With ``grades``, each says the target's grade now and once linked."""
    keys, windows = recurrence_rules(policy)
    if not windows:
        return []
    when = {r.id: _received(r, tz) for r in records}
    feats: dict[str, Features] = {}  # made for the records a target's windows reach only
    values: dict[str, tuple[Any, ...]] = {}
    out: list[Suggestion] = []
    for target in targets:
        at = when.get(target.id) or _received(target, tz)
        if at is None:
            continue
        mine = feats.get(target.id) or features(target)
        counted = _values(target, keys)
        starts = [(w, w.start(at, tz)) for w in windows]
        oldest = starts[-1][1]
        found = []
        for other in records:
            t = when.get(other.id)
            if t is None or not oldest < t <= at or other.id == target.id:
                continue
            if (t == at and other.id > target.id) or other.get("status") == "cancelled":
                continue
            if (theirs_values := values.get(other.id)) is None:
                theirs_values = values[other.id] = _values(other, keys)
            if all(v is not None and v == w for v, w in zip(counted, theirs_values, strict=True)):
                continue  # every criterion already counts them together
            if (theirs := feats.get(other.id)) is None:
                theirs = feats[other.id] = features(other)
            inside = tuple(w for w, start in starts if start < t)
            if other.id in mine.distinct or target.id in theirs.distinct:
                continue
            if target.get("reopen_of") == other.id or other.get("reopen_of") == target.id:
                continue
            alike = compare(mine, theirs)
            if alike is None:
                continue
            score = round(sum(a.similarity for a in alike) / 5, 3)
            found.append(
                Suggestion(
                    target.id,
                    other.id,
                    _link(target, other, keys),
                    alike,
                    tuple(
                        k
                        for k, v, w in zip(keys, counted, theirs_values, strict=True)
                        if v is None or v != w
                    ),
                    inside,
                    score,
                )
            )
        found.sort(key=lambda s: (-s.score, s.earlier))
        out += found[:MAX_PER_RECORD]
    if grades and out:
        out = _with_grades(out, records, policy, tz)
    return out


def _set(data: Mapping[str, Any], path: str, value: str) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    copy = dict(data)
    if rest:
        inner = copy.get(head)
        copy[head] = _set(inner if isinstance(inner, Mapping) else {}, rest, value)
    else:
        copy[head] = value
    return copy


def _with_grades(
    found: list[Suggestion], records: Sequence[Record], policy: Policy, tz: ZoneInfo
) -> list[Suggestion]:
    """Each target's grade now and with the fields written as its earlier record has them
    (the whole repository graded again for each: a handful of suggestions per change)."""
    from generator.compute.records import compute_grades

    now = compute_grades(records, policy, tz)
    out = []
    for s in found:
        target = next(r for r in records if r.id == s.record)
        data: Mapping[str, Any] = target.data
        for path, value in s.link:
            data = _set(data, path, value)
        linked = [replace(r, data=data) if r.id == s.record else r for r in records]
        then = compute_grades(linked, policy, tz)[s.record].grade
        out.append(replace(s, grade=now[s.record].grade, grade_if_linked=then))
    return out
