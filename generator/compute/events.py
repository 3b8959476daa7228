"""Events: start-event expressions, their resolution on a record, and milestone parsing.

An event is a policy event name, a record field, or the ``first_of``/``later_of`` a list of
events; :func:`resolve` says when one happened as of an instant and :func:`event_name` gives
its names as facts (the words are :mod:`generator.render.explain`'s). Also the record-path
readers (:func:`values_at`, :func:`first_instant`). :mod:`generator.compute.deadlines`
re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from generator.common.model import Record
from generator.policy.recordpaths import dig, reader, split_path
from generator.policy.types import Event, EventDef
from generator.time.parse import try_instant

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from generator.policy.types import Policy


instant = try_instant
"""A time in a record, or None (``try_instant``)."""


def values_at(data: Any, path: str) -> list[Any]:
    """Values at a dotted path; ``name[]`` steps into every item of a list."""
    if "[]" not in path:
        value = dig(data, split_path(path))
        return [] if value is None else [value]
    nodes = [data]
    for part in path.split("."):
        name, many = part.removesuffix("[]"), part.endswith("[]")
        found: list[Any] = []
        for node in nodes:
            if isinstance(node, Mapping) and node.get(name) is not None:
                value = node[name]
                found.extend(value if many and isinstance(value, list) else [] if many else [value])
        nodes = found
    return nodes


def first_instant(record: Record, paths: Sequence[str], tz: ZoneInfo) -> datetime | None:
    """The earliest time at the first path that has one."""
    for path in paths:
        if "[]" not in path:  # one value at most: no list to build
            if (at := instant(reader(path)(record.data), tz)) is not None:
                return at
            continue
        times = [t for v in values_at(record.data, path) if (t := instant(v, tz))]
        if times:
            return min(times)
    return None


NEVER = Event("never")
"""An event that never happens: what an unknown (or endlessly nested) event name resolves to."""


def flatten(event: Event, events: Mapping[str, EventDef], depth: int = 0) -> Event:
    """``event`` with each policy event name replaced by its definition, as deep as
    :class:`Resolver` would follow it: the same answer for every record, without looking
    the names up record by record."""
    if event.kind == "ref":
        definition = events.get(event.value)
        if definition is None or depth > 20:
            return NEVER
        return flatten(definition.at, events, depth + 1)
    if event.kind in ("first_of", "later_of"):
        return Event(
            event.kind, children=tuple(flatten(c, events, depth + 1) for c in event.children)
        )
    return event


Resolved = tuple[bool, datetime | None]
"""(recorded at all, the instant if it happened by ``as_of``)."""


class Resolver:
    """When one record's events happened as of ``as_of``.

    Made once per record and shared by its cancellation rule and all its milestones, so each
    field an event reads is looked up and parsed once.
    """

    __slots__ = ("_as_of", "_closed", "_data", "_events", "_fields", "_resolved", "_tz")

    def __init__(self, record: Record, policy: Policy, tz: ZoneInfo, as_of: datetime) -> None:
        self._data, self._events, self._tz, self._as_of = record.data, policy.events, tz, as_of
        self._fields: dict[str, Resolved] = {}
        self._resolved: dict[int, tuple[Event, datetime | None]] = {}
        """By the event's identity (milestones share their start events); the event is kept
        so that its identity stays its own while the resolver lives."""
        self._closed: tuple[datetime | None] | None = None  # (closed_at(),) once asked

    def closed_at(self) -> datetime | None:
        """When the record's clocks stopped: its closure time in the zone, if it is closed as
        of ``as_of``; otherwise None."""
        if self._closed is None:
            at = None
            if self._data.get("status") == "closed":
                at = instant(reader("d8_closure.closed_at")(self._data), self._tz)
                at = (
                    (at if at.tzinfo is self._tz else at.astimezone(self._tz))
                    if at is not None and at <= self._as_of
                    else None
                )
            self._closed = (at,)
        return self._closed[0]

    def resolve(self, event: Event) -> datetime | None:
        """See :func:`resolve`."""
        if event.kind == "field":  # the usual start: no recursion, the field is remembered
            return self._field(event.value)[1]
        found = self._resolved.get(id(event))
        if found is None:
            found = self._resolved[id(event)] = (event, self._resolve(event, 0)[1])
        return found[1]

    def _field(self, path: str) -> Resolved:
        found = self._fields.get(path)
        if found is None:
            at = try_instant(reader(path)(self._data), self._tz)
            found = self._fields[path] = (
                at is not None,
                at if at is not None and at <= self._as_of else None,
            )
        return found

    def _resolve(self, event: Event, depth: int) -> Resolved:
        if event.kind == "ref":
            definition = self._events.get(event.value)
            if definition is None or depth > 20:
                return False, None
            return self._resolve(definition.at, depth + 1)
        if event.kind == "field":
            return self._field(event.value)
        if event.kind == "never":
            return False, None
        if event.kind == "first_of":
            # the first one recorded decides, even when it lies after as_of: a later hand-over
            # does not make the arrival the start in the meantime
            for child in event.children:
                if (f := self._resolve(child, depth + 1))[0]:
                    return f
            return False, None
        found = [self._resolve(c, depth + 1) for c in event.children]
        times = [t for _, t in found if t is not None]
        return all(p for p, _ in found), max(times) if len(times) == len(found) else None


def resolve(
    event: Event, record: Record, policy: Policy, tz: ZoneInfo, as_of: datetime
) -> datetime | None:
    """When ``event`` happened, or None if it has not (as of ``as_of``).

    ``first_of`` takes the first event that is recorded at all; ``later_of`` waits for all.
    To resolve several events of one record, use one :class:`Resolver`.
    """
    return Resolver(record, policy, tz, as_of).resolve(event)


@dataclass(frozen=True, slots=True)
class EventName:
    """What an event is called, as facts: a policy event's Chinese and English names, a
    record field's path, or the ``first_of`` / ``later_of`` of others (``children``).
    :func:`generator.render.explain.event_label` says it."""

    kind: str
    """``ref``, ``field``, ``first_of``, ``later_of`` (or ``never``: said as ``later_of``)."""
    zh: str = ""
    en: str = ""
    children: tuple[EventName, ...] = ()


def event_name(event: Event, policy: Policy) -> EventName:
    """The names of ``event`` (an unknown policy event is called by its name)."""
    if event.kind == "ref":
        d = policy.events.get(event.value)
        if d is None:
            return EventName("ref", event.value, event.value)
        return EventName("ref", d.name.zh, d.name.en)
    if event.kind == "field":
        return EventName("field", event.value, event.value)
    return EventName(event.kind, children=tuple(event_name(c, policy) for c in event.children))
