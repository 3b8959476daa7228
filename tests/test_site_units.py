"""Small pieces of the site renderer: escaping, masking, labels, periods, history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from generator.render import escape, labels, periods
from generator.render.env import page_url
from generator.render.history import head_commit, record_histories
from tests.site_fixtures import TZ


def test_md_text_leaves_no_markdown_syntax() -> None:
    import html
    import re

    text = "*a* [x](http://e) `c` | <b> & # h\nnext"
    out = escape.md_text(text)
    bare = re.sub(r"&#?[0-9a-z]+;", "", out)
    for ch in "*[]()`|<>#&":
        assert ch not in bare
    assert html.unescape(out) == text.replace("\n", " ")


def test_html_text_escapes_then_breaks_lines() -> None:
    assert str(escape.html_text("<b>\r\nx")) == "&lt;b&gt;<br>x"


def test_front_matter_title_is_one_escaped_json_string() -> None:
    assert escape.front_matter_title('a"<b>\n---') == '"a&quot;&lt;b&gt; ---"'


@pytest.mark.parametrize(
    ("phone", "masked"), [("022-5896 3310", "022-•••• ••10"), ("12345", "•••••")]
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert escape.mask_phone(phone) == masked


def test_mask_email() -> None:
    assert escape.mask_email("wangfang@hengli.example.com") == "w•••@hengli.example.com"


def test_every_enum_value_has_a_chinese_label() -> None:
    for path, node in labels.schema_fields().items():
        for value in node.get("enum", []):
            label = labels.enum_label(path, value, "zh")
            assert label, (path, value)
            if isinstance(value, str) and value.isascii() and len(value) > 2:
                assert label != value or value in ("pfmea",), (path, value)


def test_labels_come_from_the_schema() -> None:
    assert labels.label("d2_problem.what", "zh") == "什么"
    assert labels.label("d2_problem.what", "en") == "What"


def test_page_url_is_relative_html() -> None:
    assert page_url("generated/records/A.md", "generated/ledger/2026.md") == "../ledger/2026.html"
    assert page_url("index.md", "generated/records/A.md") == "generated/records/A.html"


def test_periods() -> None:
    when = datetime(2026, 1, 1, 12, tzinfo=TZ)  # a Thursday in ISO week 2026-W01
    week = periods.iso_week(when, TZ)
    assert week.key == "2026-W01" and week.start.day == 29
    assert periods.quarter(when, TZ).key == "2026-Q1"
    assert periods.quarter(datetime(2026, 11, 3, tzinfo=TZ), TZ).end.year == 2027
    assert [p.key for p in periods.span(when, datetime(2026, 3, 1, tzinfo=TZ), "month", TZ)] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_history_outside_git(tmp_path: Path) -> None:
    assert record_histories(tmp_path, "records") == {}
    assert head_commit(tmp_path) == "unknown"


def test_history_in_one_log_walk(tmp_path: Path) -> None:
    import git

    repo = git.Repo.init(tmp_path)
    (tmp_path / "records").mkdir()
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "测试")
        cw.set_value("user", "email", "t@example.com")
    for i, name in enumerate(("KS-2026-0001", "KS-2026-0002", "KS-2026-0001")):
        (tmp_path / "records" / f"{name}.yaml").write_text(f"v: {i}\n", encoding="utf-8")
        repo.index.add([f"records/{name}.yaml"])
        repo.index.commit(f"edit {i}")
    hist = record_histories(tmp_path, "records")
    assert [r.message for r in hist["KS-2026-0001"]] == ["edit 2", "edit 0"]
    assert hist["KS-2026-0002"][0].author == "测试"
    assert len(head_commit(tmp_path)) == 12
