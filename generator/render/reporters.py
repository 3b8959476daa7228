"""Reporters: the only place that turns diagnostics into text for people or machines."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from generator.common.diagnostics import Diagnostic
from generator.common.textrules import scrub


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _summary(diags: Sequence[Diagnostic], checked: int, lang: str) -> str:
    errors = [d for d in diags if d.severity == "error"]
    warnings = [d for d in diags if d.severity == "warning"]
    files = len({d.file for d in errors})
    if lang == "en":
        head = f"Checked {_n(checked, 'record')}"
        if not errors:
            return f"{head}: all valid" + (
                f" ({_n(len(warnings), 'warning')})." if warnings else "."
            )
        return f"{head}: {_n(files, 'file')} with errors, {_n(len(errors), 'error')}."
    if not errors:
        return f"已检查 {checked} 条记录：全部有效" + (
            f"（{len(warnings)} 个警告）。" if warnings else "。"
        )
    return f"已检查 {checked} 条记录：{files} 个文件有错误，共 {len(errors)} 个错误。"


def render_text(diags: Sequence[Diagnostic], checked: int, lang: str) -> str:
    lines: list[str] = []
    hint_word = "Hint" if lang == "en" else "提示"
    for d in diags:
        field = f" {d.field}:" if d.field else ""
        lines.append(f"{d.location()}: {d.severity} [{d.code}]{field} {d.message(lang)}")
        if d.hint(lang):
            lines.append(f"    {hint_word}: {d.hint(lang)}")
    lines.append(_summary(diags, checked, lang))
    # File names and values quoted in messages reach a terminal or a pull request as they are:
    # no control or bidirectional character does.
    return scrub("\n".join(lines)) + "\n"


def render_json(diags: Sequence[Diagnostic], checked: int, lang: str) -> str:
    doc = {
        "version": 1,
        "records_checked": checked,
        "valid": not any(d.severity == "error" for d in diags),
        "diagnostics": [
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "field": d.field,
                "code": d.code,
                "severity": str(d.severity),
                "message": d.message(lang),
                "hint": d.hint(lang),
                "message_zh": d.message_zh,
                "message_en": d.message_en,
            }
            for d in diags
        ],
        "summary": _summary(diags, checked, lang),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _esc_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _esc_prop(s: str) -> str:
    return _esc_data(s).replace(":", "%3A").replace(",", "%2C")


def github_notice(title: str, text: str) -> str:
    """A ``::notice`` workflow command; ``text`` (which may quote a record) cannot end it and
    start another command."""
    return f"::notice title={_esc_prop(title)}::{_esc_data(text)}"


def render_github(diags: Sequence[Diagnostic], checked: int, lang: str) -> str:
    """GitHub workflow commands: one annotation per diagnostic, shown inline on the PR diff."""
    lines = []
    for d in diags:
        props = [f"file={_esc_prop(d.file)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
        if d.column is not None:
            props.append(f"col={d.column}")
        props.append(f"title={_esc_prop('kesu ' + d.code)}")
        body = (f"{d.field}: " if d.field else "") + d.message(lang)
        if d.hint(lang):
            body += "\n" + d.hint(lang)
        lines.append(f"::{d.severity} {','.join(props)}::{_esc_data(body)}")
    lines.append(_summary(diags, checked, lang))
    # File names and values quoted in messages reach a terminal or a pull request as they are:
    # no control or bidirectional character does.
    return scrub("\n".join(lines)) + "\n"


_CODE_QUALITY_SEVERITY = {"error": "major", "warning": "minor"}
"""Kesu's severities on GitLab's scale (info, minor, major, critical, blocker)."""


def render_gitlab(diags: Sequence[Diagnostic], checked: int, lang: str) -> str:
    """GitLab's Code Quality report (``artifacts: reports: codequality``): a JSON array of
    issues with description, check_name, fingerprint, severity and location (path and
    ``lines.begin``), as https://docs.gitlab.com/ci/testing/code_quality/ documents it. The
    merge request widget lists them, and the diff marks their lines. Nothing else is printed:
    the report is the whole output (the summary goes to ``--summary``)."""
    issues = []
    seen: dict[str, int] = {}
    for d in diags:
        body = (f"{d.field}: " if d.field else "") + d.message(lang)
        if d.hint(lang):
            body += " — " + d.hint(lang)
        key = "\x1f".join([d.file, d.code, d.field or "", d.message_en])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        # the same finding twice in a file (two lines) keeps two fingerprints
        seen[digest] = seen.get(digest, 0) + 1
        if seen[digest] > 1:
            digest = hashlib.sha256(f"{key}\x1f{seen[digest]}".encode()).hexdigest()[:32]
        issues.append(
            {
                "description": scrub(body),
                "check_name": f"kesu/{d.code}",
                "fingerprint": digest,
                "severity": _CODE_QUALITY_SEVERITY.get(str(d.severity), "info"),
                "location": {"path": d.file, "lines": {"begin": d.line or 1}},
            }
        )
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


REPORTERS: dict[str, Callable[[Sequence[Diagnostic], int, str], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "gitlab": render_gitlab,
}
