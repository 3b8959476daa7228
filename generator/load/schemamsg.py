"""Turn jsonschema errors into bilingual diagnostics a quality engineer can act on."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from generator.common import textrules
from generator.common.diagnostics import Diagnostic
from generator.common.enumnames import enum_names
from generator.load.yamlload import located
from generator.time.parse import is_datetime_text

FORMAT_CHECKER = jsonschema.FormatChecker()
CHARACTER_CODE = "schema-character"


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


@cache
def _ecma(pattern: str) -> re.Pattern[str]:
    """``pattern`` as JSON Schema means it (ECMA 262): ``$`` is the end of the text.

    Python's ``$`` also matches before a final line break, so ``"KS-2026-0001\\n"`` would pass
    ``^…$`` here while the fast validator (and every editor) refuses it; each ``$`` outside a
    character class becomes ``\\Z``.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append("\\Z" if ch == "$" and not in_class else ch)
        i += 1
    return re.compile("".join(out))


def _pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """The ``pattern`` keyword: ECMA ``$``, and the text rules checked by ``textrules`` itself
    (which also knows lone surrogates, which no portable pattern can name)."""
    if not validator.is_type(instance, "string"):
        return
    rule = textrules.PATTERNS.get(patrn)
    if rule is not None:
        bad = textrules.first_bad(instance, rule)
        if bad is not None:
            yield ValidationError(f"{instance!r} holds {bad.code} at {bad.index}")
    elif not _ecma(patrn).search(instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


@cache
def _validator_class(base: Any) -> Any:
    return jsonschema.validators.extend(base, {"pattern": _pattern})  # type: ignore[no-untyped-call]


def make_validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """The authority for ``schema``: its dialect, our format checker, ECMA patterns."""
    cls = _validator_class(jsonschema.validators.validator_for(schema))
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=FORMAT_CHECKER)
    return validator


_KIND_TEXT = {
    "line_break": ("换行符", "a line break"),
    "tab": ("制表符", "a tab"),
    "control": ("控制字符", "a control character"),
    "bidi": ("双向文字控制符", "a bidirectional control character"),
    "invisible": ("不可见字符", "an invisible character"),
    "surrogate": ("孤立代理码位", "a lone surrogate"),
}
_KIND_HINT = {
    "line_break": (
        "此字段只能写一行：去掉换行（YAML 中 | 或 > 块、或引号内的 \\n）；"
        "多行内容请写在描述、原因等说明字段。",
        "This field is one line: remove the line break (a | or > block, or \\n in quotes); "
        "write longer text in a description or reason field.",
    ),
    "tab": (
        "此字段只能写一行：把制表符换成空格。",
        "This field is one line: replace the tab with a space.",
    ),
    "control": (
        "控制字符会破坏日历、表格和终端输出，请删除（常由复制粘贴或引号内的转义带入）。",
        "Control characters break calendar feeds, spreadsheets and terminals: delete it "
        "(it usually comes from copy and paste or an escape in quotes).",
    ),
    "bidi": (
        "双向控制符会改变文字的显示顺序，让一条记录看起来像另一条，请删除；"
        "在 VS Code 中它会被高亮显示。",
        "Bidirectional controls change the order text is shown in, so one record can look "
        "like another: delete it (VS Code highlights it).",
    ),
    "invisible": (
        "零宽等不可见字符会让看起来相同的名称其实不同，请删除（常随网页或聊天软件中复制的文字带入）。",
        "Zero-width and other invisible characters make names that look the same differ: "
        "delete it (it often comes with text copied from web pages or chat apps).",
    ),
    "surrogate": (
        "孤立代理码位不是字符，常来自不是 UTF-8 的终端或文件：请用 UTF-8 重新输入这段文字。",
        "A lone surrogate is not a character; it comes from a terminal or file that is not "
        "UTF-8: enter the text again in UTF-8.",
    ),
}


def character_message(bad: textrules.BadChar, rule: str) -> tuple[str, str, str, str]:
    """(message_zh, message_en, hint_zh, hint_en) naming the character as U+XXXX.

    Never the character itself: shown raw it would do in the terminal what it does on a page.
    """
    what_zh, what_en = _KIND_TEXT[bad.kind]
    kind_zh = "单行文本" if rule == "line" else "文本"
    kind_en = "single-line text" if rule == "line" else "text"
    hint_zh, hint_en = _KIND_HINT[bad.kind]
    return (
        f"{kind_zh}中不允许{what_zh} {bad.code} {bad.name}（第 {bad.index + 1} 个字符）",
        f"{kind_en.capitalize()} may not hold {what_en}: {bad.code} {bad.name} "
        f"(character {bad.index + 1})",
        hint_zh,
        hint_en,
    )


# Errors about what a text is, which a refused character explains better (a length does not).
_ABOUT_CHARACTERS = frozenset({"pattern", "format", "enum", "const", "anyOf", "oneOf"})


def _character(err: ValidationError) -> tuple[str, str, str, str] | None:
    """The text-rule message for ``err``, when its value holds a refused character."""
    inst = err.instance
    if err.validator not in _ABOUT_CHARACTERS or not isinstance(inst, str):
        return None
    value = err.validator_value
    rule = textrules.PATTERNS.get(value) if isinstance(value, str) else None
    bad = textrules.first_bad(inst, rule or "line")
    if bad is None:
        return None
    return character_message(bad, rule or "line")


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
        if "boolean" in want and isinstance(inst, str):
            hint_zh, hint_en = (
                f"{inst!r} 是文本：YAML 1.2 只把 true 和 false 当作真假值（yes、no、是、否、on "
                "都是文本）。请写 true 或 false。",
                f"{inst!r} is text: YAML 1.2 takes only true and false as booleans (yes, no, "
                "on are text). Write true or false.",
            )
        gap = " " if zh[:1].isascii() else ""  # 应为 true 或 false, 应为整数
        return (f"类型错误：应为{gap}{zh}", f"Wrong type: expected {en}", hint_zh, hint_en, path)
    if kw == "enum":
        names = (
            enum_names(str(err.schema.get("description", "")), val)
            if isinstance(err.schema, dict)
            else {}
        )
        opts = ", ".join(str(v) for v in val)
        opts_zh = "、".join(f"{v}（{names[str(v)]}）" if str(v) in names else str(v) for v in val)
        by_name = [code for code, name in names.items() if name == str(inst)]
        close = by_name or difflib.get_close_matches(str(inst), [str(v) for v in val], n=1)
        return (
            f"取值 {inst!r} 不在允许范围内",
            f"Value {inst!r} is not allowed",
            f"可选值：{opts_zh}" + (f"；是否想写 {close[0]}？" if close else ""),
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
    """One diagnostic per error; a value with a refused character gets one
    ``schema-character`` diagnostic, not one more for each pattern it then fails."""
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    flagged: set[tuple[str | int, ...]] = set()
    for err in errors:
        char = _character(err)
        where = tuple(err.absolute_path)
        if char is not None:
            if where in flagged:
                continue
            flagged.add(where)
            yield located(file, text, list(where), CHARACTER_CODE, *char)
            continue
        msg_zh, msg_en, hint_zh, hint_en, path = _describe(err)
        yield located(file, text, path, f"schema-{err.validator}", msg_zh, msg_en, hint_zh, hint_en)
