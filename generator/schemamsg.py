"""Turn jsonschema errors into bilingual diagnostics a quality engineer can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from generator.diagnostics import Diagnostic
from generator.timeparse import is_datetime_text
from generator.yamlload import located

FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("kesu-datetime")
def _check_datetime(value: object) -> bool:
    return not isinstance(value, str) or is_datetime_text(value)


_TYPE_ZH = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "object": "字段集合（映射）",
    "array": "列表",
    "null": "空值",
}


def _title(schema: Any) -> tuple[str, str]:
    if isinstance(schema, dict):
        return str(schema.get("title", "")), str(schema.get("x-title-en", ""))
    return "", ""


def _describe(err: ValidationError) -> tuple[str, str, str, str, list[str | int]]:
    """(message_zh, message_en, hint_zh, hint_en, path to point at) for one error."""
    kw = err.validator
    val: Any = err.validator_value
    path: list[str | int] = list(err.absolute_path)
    inst = err.instance
    if kw == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        name = missing[0] if missing else "?"
        sub = err.schema.get("properties", {}).get(name, {}) if isinstance(err.schema, dict) else {}
        zh_t, en_t = _title(sub)
        return (
            f"缺少必填字段 {name}（{zh_t}）",
            f"Missing required field {name} ({en_t})",
            f"请添加 {name}: …",
            f"Add {name}: …",
            path,
        )
    if kw == "additionalProperties" and isinstance(inst, dict):
        allowed = list(err.schema.get("properties", {})) if isinstance(err.schema, dict) else []
        extra = sorted(k for k in inst if k not in allowed)
        name = extra[0] if extra else "?"
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint_zh = f"是否想写 {close[0]}？" if close else f"允许的字段：{', '.join(allowed)}"
        hint_en = f"Did you mean {close[0]}?" if close else f"Allowed fields: {', '.join(allowed)}"
        return (
            f"未知字段 {name}",
            f"Unknown field {name}",
            hint_zh,
            hint_en,
            [*path, name],
        )
    if kw == "type":
        want: list[str] = [str(w) for w in (val if isinstance(val, list) else [val])]
        zh = "或".join(_TYPE_ZH.get(w, w) for w in want)
        en = " or ".join(want)
        hint_zh, hint_en = "", ""
        if "string" in want and not isinstance(inst, str):
            hint_zh, hint_en = (
                '日期、编号等请加引号，如 "2026-01-05 09:30"。',
                "Quote dates and ids.",
            )
        return (f"类型错误：应为{zh}", f"Wrong type: expected {en}", hint_zh, hint_en, path)
    if kw == "enum":
        opts = ", ".join(str(v) for v in val)
        close = difflib.get_close_matches(str(inst), [str(v) for v in val], n=1)
        return (
            f"取值 {inst!r} 不在允许范围内",
            f"Value {inst!r} is not allowed",
            f"可选值：{opts}" + (f"；是否想写 {close[0]}？" if close else ""),
            f"Allowed: {opts}" + (f"; did you mean {close[0]}?" if close else ""),
            path,
        )
    if kw in ("format", "pattern", "anyOf"):
        zh_t, en_t = _title(err.schema)
        ex = err.schema.get("examples", []) if isinstance(err.schema, dict) else []
        if kw == "anyOf" or (
            isinstance(err.schema, dict) and "date" in str(err.schema.get("format"))
        ):
            return (
                f"日期/时间格式不对或日期不存在：{inst!r}",
                f"Not a valid date or time: {inst!r}",
                '日期写 "YYYY-MM-DD"，时间写 "YYYY-MM-DD HH:MM"，如 "2026-01-05 09:30"。',
                'Write dates as "YYYY-MM-DD" and times as "YYYY-MM-DD HH:MM".',
                path,
            )
        if kw == "format" and val == "email":
            return (f"邮箱格式不对：{inst!r}", f"Not an e-mail address: {inst!r}", "", "", path)
        return (
            f"{zh_t or '值'}格式不对：{inst!r}",
            f"{en_t or 'Value'} has the wrong form: {inst!r}",
            f"示例：{ex[0]}" if ex else f"应匹配 {val}",
            f"Example: {ex[0]}" if ex else f"Must match {val}",
            path,
        )
    if kw in ("minLength", "minItems"):
        if isinstance(val, int) and val > 1:
            unit_zh, unit_en = ("个字符", "characters") if kw == "minLength" else ("项", "items")
            zh, en = f"太短：至少 {val} {unit_zh}", f"Too short: at least {val} {unit_en}"
            return (zh, en, "", "", path)
        return ("不能为空", "Must not be empty", "", "", path)
    if kw in ("maxLength", "maxItems"):
        return (f"过长（上限 {val}）", f"Too long (at most {val})", "", "", path)
    if kw in ("minimum", "exclusiveMinimum"):
        return (f"不能小于 {val}", f"Must be at least {val}", "", "", path)
    if kw in ("maximum", "exclusiveMaximum"):
        return (f"不能大于 {val}", f"Must be at most {val}", "", "", path)
    if kw == "propertyNames":
        return (
            f"键名不合法：{inst!r}",
            f"Invalid key name: {inst!r}",
            "键名用小写字母、数字和下划线，如 final_report。",
            "Use lower-case letters, digits and underscores, e.g. final_report.",
            path,
        )
    return (err.message, err.message, "", "", path)


def schema_diagnostics(
    validator: jsonschema.protocols.Validator, data: Any, file: str, text: str | None
) -> Iterator[Diagnostic]:
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        msg_zh, msg_en, hint_zh, hint_en, path = _describe(err)
        yield located(file, text, path, f"schema-{err.validator}", msg_zh, msg_en, hint_zh, hint_en)
