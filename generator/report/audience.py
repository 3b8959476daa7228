"""Who may read a field: the ``x-kesu-audience`` marker on every property of the schema.

``customer``: goes to the customer when a profile names it. ``staff``: the name of one of our
people (an owner, an approver); goes to the customer only where a profile names it.
``internal``: never leaves the company (grades, deadlines, penalties, internal approvals and
comments, costs, links between records). A field inside an internal one is internal whatever
its own marker says. The marker is required on every property: ``tests`` walk the schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator.render.labels import schema_fields

AUDIENCES = ("customer", "staff", "internal")
KEY = "x-kesu-audience"


@cache
def audiences() -> dict[str, str]:
    """Every schema path (``a.b[].c``, maps as ``a.*``) → its effective audience; ``""`` for
    a property without a marker (the schema test refuses those)."""
    out: dict[str, str] = {}
    for path, node in sorted(schema_fields().items()):
        own = str(node.get(KEY, ""))
        parent = _parent(path)
        inherited = out.get(parent, "") if parent else ""
        out[path] = "internal" if inherited == "internal" else own or inherited
    return out


def _parent(path: str) -> str:
    if path.endswith("[]"):
        return path[:-2]
    if path.endswith(".*"):
        return path[:-2]
    return path.rsplit(".", 1)[0] if "." in path else ""


def schema_path(field: str) -> str:
    """A profile's field (``d5_actions.actions.owner``) as a schema path
    (``d5_actions.actions[].owner``): list steps get ``[]`` where the schema has items."""
    fields = schema_fields()
    out = ""
    for part in field.split("."):
        step = f"{out}.{part}" if out else part
        if step not in fields and f"{out}[]" in fields and f"{out}[].{part}" in fields:
            step = f"{out}[].{part}"
        elif step not in fields and f"{out}.*" in fields and f"{out}.*.{part}" in fields:
            step = f"{out}.*.{part}"
        out = step
    return out


def audience_of(field: str) -> str:
    """The audience of a profile's field; ``""`` when the schema has no such field."""
    return audiences().get(schema_path(field), "")


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A value in the record that the report does not carry, and why."""

    path: str
    audience: str
    """``internal``, ``staff`` or ``customer`` (customer-visible but not in the profile)."""


def left_out(data: Mapping[str, Any], shown: frozenset[str]) -> Iterator[LeftOut]:
    """Every field with a value in ``data`` whose schema path is not in ``shown`` (the paths a
    profile fills), nor inside one of them; internal subtrees are reported once, at the top."""
    marks = audiences()

    def walk(node: Any, path: str) -> Iterator[LeftOut]:
        if path in shown:
            return
        aud = marks.get(path, "internal") if path else "customer"
        if path and (aud == "internal" or not isinstance(node, (Mapping, list))):
            if node not in (None, "", [], {}):
                yield LeftOut(path, aud)
            return
        if isinstance(node, Mapping):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                if child not in marks and f"{path}.*" in marks:
                    child = f"{path}.*"
                yield from walk(value, child)
        elif isinstance(node, list):
            items = f"{path}[]"
            if items not in marks or items in shown:
                if node:
                    yield LeftOut(path, aud)
                return
            seen: set[str] = set()
            for value in node:
                for found in walk(value, items):
                    if found.path not in seen:
                        seen.add(found.path)
                        yield found

    yield from walk(data, "")


def visible(node: Any, path: str = "") -> Any:
    """``node`` with every internal field removed (what a customer report could show)."""
    marks = audiences()
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            if child not in marks and f"{path}.*" in marks:
                child = f"{path}.*"
            if marks.get(child, "internal") != "internal":
                out[str(key)] = visible(value, child)
        return out
    if isinstance(node, list):
        return [visible(v, f"{path}[]") for v in node]
    return node


def visible_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The top-level fields whose customer-visible content differs between two versions of a
    record (``sent`` entries themselves are internal)."""
    a, b = visible(old), visible(new)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
