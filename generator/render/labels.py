"""Field labels from the complaint schema (``title`` and ``x-title-en``), read once.

Enum values get their Chinese label from the field's description, which lists them as
``value 标签；value 标签`` (e.g. ``quality 质量；delivery 交期``); English uses the value itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from generator.common.enumnames import enum_names
from generator.config.settings import load_schema


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(node)
    while "$ref" in out:
        ref = out.pop("$ref")
        target = defs[ref.rsplit("/", 1)[-1]]
        out = {**target, **out}
    return out


def _walk(
    node: Mapping[str, Any], path: str, defs: Mapping[str, Any], out: dict[str, dict[str, Any]]
) -> None:
    node = _resolve(node, defs)
    if path:
        out[path] = node
    for key, child in node.get("properties", {}).items():
        _walk(child, f"{path}.{key}" if path else key, defs, out)
    items = node.get("items")
    if isinstance(items, Mapping):
        _walk(items, f"{path}[]", defs, out)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        _walk(extra, f"{path}.*", defs, out)


@cache
def schema_fields() -> dict[str, dict[str, Any]]:
    """Every field of the complaint schema by dotted path (arrays as ``[]``, maps as ``*``)."""
    schema = load_schema("complaint")
    out: dict[str, dict[str, Any]] = {}
    _walk(schema, "", schema.get("$defs", {}), out)
    return out


def label(path: str, lang: str) -> str:
    """The field's title in ``lang``; the last path part when the schema has none."""
    node = schema_fields().get(path)
    if node is None:
        return path.rsplit(".", 1)[-1]
    if lang == "en":
        return str(node.get("x-title-en") or node.get("title") or path)
    return str(node.get("title") or path)


@cache
def _enum_labels(path: str) -> dict[str, str]:
    node = schema_fields().get(path, {})
    return enum_names(str(node.get("description", "")), node.get("enum", []))


# Values the schema lists without a Chinese label (action status has none in its description).
_FALLBACK_ZH = {
    "planned": "计划",
    "in_progress": "进行中",
    "done": "已完成",
    "verified": "已验证",
    "cancelled": "已取消",
    "other": "其他",
    "pfmea": "PFMEA",
}


def enum_label(path: str, value: object, lang: str) -> str:
    """Label of an enum value (``category`` ``quality`` → 质量 / quality)."""
    text = "" if value is None else str(value)
    if lang == "en":
        return text.replace("_", " ")
    return _enum_labels(path).get(text) or _FALLBACK_ZH.get(text, text)


def enum_values(path: str) -> list[str]:
    return [str(v) for v in schema_fields().get(path, {}).get("enum", [])]
