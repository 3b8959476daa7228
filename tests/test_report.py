"""Reporters are tested on exact strings: what people and GitHub read must not drift."""

from __future__ import annotations

import json

from generator.common.diagnostics import Diagnostic, Severity
from generator.render.reporters import render_github, render_json, render_text

D1 = Diagnostic(
    file="records/KS-2026-0001.yaml",
    code="schema-enum",
    message_zh="取值 'qualty' 不在允许范围内",
    message_en="Value 'qualty' is not allowed",
    line=5,
    column=11,
    field="category",
    hint_zh="可选值：quality, delivery, service, other；是否想写 quality？",
    hint_en="Allowed: quality, delivery, service, other; did you mean quality?",
)
D2 = Diagnostic(
    file="records/a,b:c.yaml",
    code="file-encoding",
    message_zh="100% 不是 UTF-8\n第二行",
    message_en="100% not UTF-8\nsecond line",
)
W = Diagnostic(
    file="records/KS-2026-0002.yaml",
    code="x-warn",
    message_zh="注意",
    message_en="Note",
    severity=Severity.WARNING,
)


def test_text_zh() -> None:
    assert render_text([D1], 3, "zh") == (
        "records/KS-2026-0001.yaml:5:11: error [schema-enum] category: 取值 'qualty' 不在允许范围内\n"
        "    提示: 可选值：quality, delivery, service, other；是否想写 quality？\n"
        "已检查 3 条记录：1 个文件有错误，共 1 个错误。\n"
    )


def test_text_en_and_no_location() -> None:
    assert render_text([D1, D2], 3, "en") == (
        "records/KS-2026-0001.yaml:5:11: error [schema-enum] category: Value 'qualty' is not allowed\n"
        "    Hint: Allowed: quality, delivery, service, other; did you mean quality?\n"
        "records/a,b:c.yaml: error [file-encoding] 100% not UTF-8\nsecond line\n"
        "Checked 3 records: 2 files with errors, 2 errors.\n"
    )


def test_text_all_valid() -> None:
    assert render_text([], 36, "zh") == "已检查 36 条记录：全部有效。\n"
    assert render_text([W], 36, "en") == (
        "records/KS-2026-0002.yaml: warning [x-warn] Note\n"
        "Checked 36 records: all valid (1 warning).\n"
    )


def test_github_annotations_escape_properties_and_data() -> None:
    out = render_github([D1, D2], 2, "zh").splitlines()
    assert out[0] == (
        "::error file=records/KS-2026-0001.yaml,line=5,col=11,title=kesu schema-enum::"
        "category: 取值 'qualty' 不在允许范围内%0A可选值：quality, delivery, service, other；是否想写 quality？"
    )
    assert out[1] == (
        "::error file=records/a%2Cb%3Ac.yaml,title=kesu file-encoding::100%25 不是 UTF-8%0A第二行"
    )
    assert out[2] == "已检查 2 条记录：2 个文件有错误，共 2 个错误。"


def test_json_shape() -> None:
    doc = json.loads(render_json([D1], 1, "en"))
    assert doc == {
        "version": 1,
        "records_checked": 1,
        "valid": False,
        "diagnostics": [
            {
                "file": "records/KS-2026-0001.yaml",
                "line": 5,
                "column": 11,
                "field": "category",
                "code": "schema-enum",
                "severity": "error",
                "message": "Value 'qualty' is not allowed",
                "hint": "Allowed: quality, delivery, service, other; did you mean quality?",
                "message_zh": "取值 'qualty' 不在允许范围内",
                "message_en": "Value 'qualty' is not allowed",
            }
        ],
        "summary": "Checked 1 record: 1 file with errors, 1 error.",
    }
