"""Issue 18, point 9: the smaller items seen on the demo site, each pinned."""

from __future__ import annotations

import contextlib
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from generator.cli.main import main
from generator.config.settings import load_config
from generator.load import attachments
from generator.render import render_site
from generator.render.env import Fmt, slug
from generator.site.build import compute_site
from tests.conftest import copy_demo

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | bytes]]:
    root = copy_demo(tmp_path_factory.mktemp("items"))
    config, _ = load_config(root)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    plan = attachments.plan(root, (row.record.data for row in site.rows))
    return root, {p.path: p.content for p in render_site(site, plan.files, plan.images)}


def page(demo: tuple[Path, dict[str, str | bytes]], path: str) -> str:
    text = demo[1][path]
    assert isinstance(text, str)
    return text


def test_lateness_under_a_day_is_in_hours() -> None:
    f = Fmt(lang="zh", tz=TZ, page="")
    assert f.late_by(AS_OF - timedelta(hours=9, minutes=10), AS_OF) == "9 小时"
    assert f.late_by(AS_OF - timedelta(days=3, hours=2), AS_OF) == "3 天"
    assert f.late_by(AS_OF - timedelta(minutes=5), AS_OF) == "1 小时"


def test_dashboard_due_this_week_has_title_and_owner(
    demo: tuple[Path, dict[str, str | bytes]],
) -> None:
    home = page(demo, "generated/_home.md")
    table = home.split('class="kesu-due-week"', 1)[1].split("</table>", 1)[0]
    assert "<th>标题</th>" in table and "<th>责任人</th>" in table
    assert "压接导线拉脱再发" in table and "王磊" in table  # KS-2026-0029's title and owner
    assert "超期时长" in home and "超期天数" not in home


def test_analysis_counts_say_what_they_count(demo: tuple[Path, dict[str, str | bytes]]) -> None:
    analysis = page(demo, "generated/analysis/index.md")
    assert "<th>6M 分类</th><th>原因条数</th>" in analysis
    assert "<code>CRIMP-NG</code> 压接不良" in analysis
    six_m = demo[1]["generated/analysis/charts/all-6m.svg"]
    defect = demo[1]["generated/analysis/charts/all-defect.svg"]
    assert isinstance(six_m, bytes) and isinstance(defect, bytes)
    assert "原因条数".encode() in six_m and "客诉".encode() + b"<" not in six_m
    assert "客诉记录".encode() in defect and "压接不良".encode() in defect


def test_8d_page_captions_related_and_notes(demo: tuple[Path, dict[str, str | bytes]]) -> None:
    p1 = page(demo, "generated/records/KS-2026-0001.md")
    cap = re.search(r"<figcaption>(.*?)</figcaption>", p1)
    assert cap and cap.group(1) == "外箱标签与本体标签对比照片"
    assert "CRIMP-NG" not in p1 or "压接不良" in p1
    # a record related in several ways lists the other record once, with every way
    p19 = page(demo, "generated/records/KS-2026-0019.md")
    related = p19.split("{#related}", 1)[1].split("</ul>", 1)[0]
    ids = re.findall(r'href="(KS-[0-9-]+)\.html"', related)
    assert ids and len(ids) == len(set(ids))
    assert "再发" in related and "问题键相同" in related
    # notes have their own heading, not under 关联记录
    p25 = page(demo, "generated/records/KS-2026-0025.md")
    assert "## 备注 {#notes}" in p25 and "{#related}" not in p25.split("{#notes}", 1)[0][-200:]
    # no empty 关联记录 heading
    for path, text in demo[1].items():
        if path.startswith("generated/records/") and isinstance(text, str) and "{#related}" in text:
            assert "<li>" in text.split("{#related}", 1)[1].split("</ul>", 1)[0], path


def test_scorecards_list_customers_only(demo: tuple[Path, dict[str, str | bytes]]) -> None:
    index = page(demo, "generated/scorecards/index.md")
    customers = index.split("客户", 1)[1]
    assert "华南销售服务中心" not in index  # an internal complaint's raiser is no customer
    assert ">–</a>" not in index  # no row for records without a customer or department
    assert "customer-华东汽车电子有限公司.html" in customers
    assert "generated/scorecards/department-计划物控部（PMC）.md" in demo[1]
    assert slug("owner", "王磊") == "owner-王磊"
    assert re.fullmatch(r"customer-[0-9a-f]{10}", slug("customer", "A B/C"))


def test_xlsx_grade_is_a_number_and_prints_on_a4(demo: tuple[Path, dict[str, str | bytes]]) -> None:
    data = demo[1]["generated/exports/ledger-2026.xlsx"]
    assert isinstance(data, bytes)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    grade = header.index("级别") + 1
    values = [ws.cell(row=r, column=grade).value for r in range(2, ws.max_row + 1)]
    assert values and all(isinstance(v, int) for v in values)
    assert header[header.index("不良代码") + 1] == "不良名称"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize or 0) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = main(list(args))
        except SystemExit as exc:  # --help
            code = int(exc.code or 0)
    return code, out.getvalue()


def test_help_is_chinese_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KESU_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, text = _run("-C", str(tmp_path), "--help")
    assert code == 0 and text.startswith("用法：kesu")
    assert "以下一个空闲编号新建记录" in text and "选项" in text
    code, text = _run("-C", str(tmp_path), "--lang", "en", "--help")
    assert text.startswith("usage: kesu") and "create a record with the next free id" in text


def test_show_finds_an_id_in_any_case(demo: tuple[Path, dict[str, str | bytes]]) -> None:
    root = demo[0]
    code, text = _run(
        "-C", str(root), "--lang", "zh", "show", "ks-2026-0020", "--as-of", "2026-11-27 12:00"
    )
    assert code == 0 and text.startswith("KS-2026-0020")
    # approvals in Chinese words, not manager/reply … approved
    line = next(x for x in text.splitlines() if x.startswith("审批"))
    assert "manager" not in line and "approved" not in line and "：批准" in line
