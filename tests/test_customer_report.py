"""The customer's 8D report (generator/report/): the audience rule on every schema field, the
profiles, the PDF as its reader gets it (pypdf text and structure, pypdfium2 pictures), the
Excel template fill against the template's formatting, ``kesu report`` and ``--explain``."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from generator.cli.main import main
from generator.config.settings import load_schema
from generator.report import pdf, xlsx
from generator.report.audience import AUDIENCES, KEY, audiences, left_out, visible
from generator.report.content import build_report
from generator.report.profiles import SHIPPED, load_profile, parse_profile
from tests.conftest import REPO, copy_demo, load_record

PROFILES = sorted(p.stem for p in SHIPPED.glob("*.yaml"))
SCREENSHOTS = REPO / "docs" / "screenshots"
# One record per profile (demo records): closed with photos, D0-D8 filled.
SAMPLES = {"kesu": "KS-2026-0001", "vda": "KS-2026-0002", "g8d": "KS-2025-0002"}


# ----------------------------------------------------------------- the audience rule


def unmarked(schema: dict[str, Any]) -> list[str]:
    """JSON pointers of every property (of the record and of the $defs) without a valid
    ``x-kesu-audience``."""
    out: list[str] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                where = f"{pointer}/properties/{name}"
                if not isinstance(sub, dict) or sub.get(KEY) not in AUDIENCES:
                    out.append(where)
                walk(sub, where)
            for key in ("items", "additionalProperties"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{pointer}/{key}")
            for key in ("allOf", "anyOf", "oneOf"):
                for i, sub in enumerate(node.get(key) or ()):
                    walk(sub, f"{pointer}/{key}/{i}")

    walk({k: v for k, v in schema.items() if k != "$defs"}, "")
    for name, sub in (schema.get("$defs") or {}).items():
        walk(sub, f"/$defs/{name}")
    return out


def test_every_field_of_the_schema_has_an_audience() -> None:
    assert unmarked(load_schema("complaint")) == []


def test_a_new_field_without_an_audience_is_found() -> None:
    schema = copy.deepcopy(load_schema("complaint"))
    schema["properties"]["warranty_cost"] = {"type": "integer"}
    del schema["$defs"]["approval"]["properties"]["comment"][KEY]
    schema["properties"]["d2_problem"]["properties"]["what"][KEY] = "public"
    assert unmarked(schema) == [
        "/properties/d2_problem/properties/what",
        "/properties/warranty_cost",
        "/$defs/approval/properties/comment",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "facts",
        "facts.line_stop",
        "grade_declared.reason",
        "customer_priority",
        "problem_key",
        "milestones.*.note",
        "extensions[].reason",
        "approvals[].comment",
        "approvals[].decision",
        "d5_actions.preventive_waiver.reason",
        "responsibility.responsible_department",
        "sent[].to",
        "notes",
        "links[].note",
        "cancellation.reason",
        "customer.code",
    ],
)
def test_internal_matters_are_internal(path: str) -> None:
    assert audiences()[path] == "internal"


@pytest.mark.parametrize(
    ("path", "audience"),
    [
        ("reporter.phone", "customer"),
        ("reporter.email", "customer"),
        ("d4_root_cause.escape[].why", "customer"),
        ("d5_actions.actions[].owner", "staff"),
        ("approvals[].name", "staff"),
    ],
)
def test_customer_and_staff_fields(path: str, audience: str) -> None:
    assert audiences()[path] == audience


# ----------------------------------------------------------------- profiles


@pytest.mark.parametrize("name", PROFILES)
def test_the_shipped_profiles_load(name: str) -> None:
    profile, diags = load_profile(REPO, name)
    assert diags == [] and profile is not None
    assert {s.id for s in profile.sections} >= {"D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"}


def test_a_profile_naming_an_internal_field_is_refused(tmp_path: Path) -> None:
    text = (SHIPPED / "kesu.yaml").read_text(encoding="utf-8")
    text = text.replace("          - reporter.email\n", "          - problem_key\n", 1)
    text = text.replace("columns: [name, department, role]", "columns: [name, hat]", 1)
    (tmp_path / "kesu.yaml").write_text(text, encoding="utf-8")
    profile, diags = parse_profile(tmp_path / "kesu.yaml", "report_profiles/kesu.yaml")
    assert profile is None
    found = {(d.code, d.line, d.field) for d in diags}
    line = text.splitlines().index("          - problem_key") + 1
    assert ("profile-internal", line, "sections[0].blocks[0].fields[7]") in found
    assert any(code == "profile-field" for code, _, _ in found)
    assert "problem_key" in next(d.message_en for d in diags if d.code == "profile-internal")


# ----------------------------------------------------------------- the PDF


def flat(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from flat(value)
    elif isinstance(node, list):
        for value in node:
            yield from flat(value)
    elif isinstance(node, str):
        yield node


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], bytes]:
    """A PDF per profile (Chinese) and the kesu one in English, from demo records."""
    out: dict[tuple[str, str], bytes] = {}
    for name, lang in [*((p, "zh") for p in PROFILES), ("kesu", "en")]:
        profile, _ = load_profile(REPO, name)
        assert profile is not None
        data = load_record(REPO / "records" / f"{SAMPLES[name]}.yaml")
        report = build_report(data, profile, lang, ("0123456789ab", "2026-03-03"))
        images = pdf.load_images(REPO, report)
        out[(name, lang)] = pdf.write_pdf(pdf.render_html(report, images), lang, images)
    return out


def internal_texts(data: dict[str, Any]) -> set[str]:
    """Every text of an internal field that does not also stand in a visible one."""
    shown = {squeeze(s) for s in flat(visible(data))}
    hidden = set(flat(data)) - set(flat(visible(data)))
    return {squeeze(s) for s in hidden if len(squeeze(s)) >= 4 and squeeze(s) not in shown}


@pytest.mark.parametrize(("name", "lang"), [*((p, "zh") for p in PROFILES), ("kesu", "en")])
def test_the_pdf_carries_no_internal_field(
    pdfs: dict[tuple[str, str], bytes], name: str, lang: str
) -> None:
    data = load_record(REPO / "records" / f"{SAMPLES[name]}.yaml")
    text = squeeze("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdfs[name, lang])).pages))
    secrets = internal_texts(data)
    assert secrets, "the sample has internal fields to look for"
    assert [s for s in secrets if s in text] == []
    # nor the computed internal matters: the grade, deadlines, overdue commentary
    for word in ("级别", "超期", "逾期", "罚款", "Grade", "overdue", "penalt"):
        assert word not in text
    # the customer's own contact is not masked
    assert squeeze(data["reporter"]["phone"]) in text


@pytest.mark.parametrize(("name", "lang"), [*((p, "zh") for p in PROFILES), ("kesu", "en")])
def test_the_pdf_has_every_section_header_and_page_numbers(
    pdfs: dict[tuple[str, str], bytes], name: str, lang: str
) -> None:
    profile, _ = load_profile(REPO, name)
    assert profile is not None
    reader = PdfReader(io.BytesIO(pdfs[name, lang]))
    text = squeeze("".join(p.extract_text() for p in reader.pages))
    for section in profile.sections:
        assert squeeze(section.title.get(lang)) in text, section.id
    total = len(reader.pages)
    assert total >= 3
    data = load_record(REPO / "records" / f"{SAMPLES[name]}.yaml")
    for n, page in enumerate(reader.pages, start=1):
        page_text = squeeze(page.extract_text())
        numbers = f"第{n}页/共{total}页" if lang == "zh" else f"Page{n}of{total}"
        assert numbers in page_text
        if n > 1:  # the running header on every page after the title block
            assert SAMPLES[name] in page_text
            assert squeeze(data["product"]["part_number"]) in page_text
            assert "0123456789ab" in page_text


@pytest.mark.parametrize(("name", "lang"), [*((p, "zh") for p in PROFILES), ("kesu", "en")])
def test_the_fonts_are_embedded(pdfs: dict[tuple[str, str], bytes], name: str, lang: str) -> None:
    reader = PdfReader(io.BytesIO(pdfs[name, lang]))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in (resources.get("/Font") or {}).values():
            font: Any = ref.get_object()
            for leaf in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                desc = leaf.get("/FontDescriptor")
                if desc is not None:
                    desc = desc.get_object()
                    embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    fonts[str(leaf["/BaseFont"])] = embedded
    assert fonts and all(fonts.values()), fonts
    assert any("CJK" in name for name in fonts)


def test_photos_are_in_the_pdf_at_a_readable_size(pdfs: dict[tuple[str, str], bytes]) -> None:
    reader = PdfReader(io.BytesIO(pdfs["kesu", "zh"]))
    sizes = []
    for page in reader.pages:
        for img in page.images:
            sizes.append(img.image.size if img.image is not None else (0, 0))
    assert sizes, "KS-2026-0001 shows its label photo"
    text = "".join(p.extract_text() for p in reader.pages)
    assert "外箱标签与本体标签对比照片" in text  # the caption is the attachment's title


@pytest.mark.parametrize("name", PROFILES)
def test_first_page_picture(pdfs: dict[tuple[str, str], bytes], name: str, tmp_path: Path) -> None:
    """The pictures in docs/customer-report.md (KESU_SCREENSHOTS=1 writes them)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdfs[name, "zh"])
    image = doc[0].render(scale=1.2).to_pil().convert("RGB")
    dark = sum(image.convert("L").histogram()[:128])
    assert dark > image.width * image.height * 0.01  # text on the page, not a blank one
    target = SCREENSHOTS if os.environ.get("KESU_SCREENSHOTS") == "1" else tmp_path
    image.save(target / f"report-{name}.png", optimize=True)
    assert (SCREENSHOTS / f"report-{name}.png").is_file()


def test_record_text_is_escaped_and_nothing_is_fetched(tmp_path: Path) -> None:
    profile, _ = load_profile(REPO, "kesu")
    assert profile is not None
    data = load_record(REPO / "records" / "KS-2026-0001.yaml")
    data["title"] = '<img src="file:///etc/hostname"><b>x</b>'
    data["d2_problem"]["summary"] = "</td></tr></table><img src='https://example.invalid/t.png'>"
    data["d2_problem"]["photos"] = ["attachments/../../etc/passwd", "attachments/none.png"]
    report = build_report(data, profile, "zh", ("0123456789ab", "2026-03-03"))
    images = pdf.load_images(REPO, report)
    assert images == {}
    html = pdf.render_html(report, images)
    assert '<img src="file:' not in html and "&lt;img src=&#34;file:" in html
    out = pdf.write_pdf(html + '<img src="file:///etc/hostname">', "zh", images)
    reader = PdfReader(io.BytesIO(out))
    assert all(not page.images for page in reader.pages)
    assert "<b>x</b>" in squeeze("".join(p.extract_text() for p in reader.pages))


# ----------------------------------------------------------------- Excel


def _style(cell: Any) -> tuple[Any, ...]:
    return (
        cell.font.b,
        cell.font.sz,
        cell.font.color.rgb if cell.font.color is not None else None,
        cell.fill.fgColor.rgb,
        cell.border.left.style,
        cell.border.bottom.style,
        cell.alignment.wrap_text,
    )


def test_the_template_is_filled_keeping_its_formatting(tmp_path: Path) -> None:
    mapping, diags = xlsx.load_mapping(
        REPO / "report_templates/example-8d.yaml", "report_templates/example-8d.yaml"
    )
    assert diags == [] and mapping is not None
    data = load_record(REPO / "records" / "KS-2025-0002.yaml")
    out = xlsx.fill_template(mapping, data, "zh", ("0123456789ab", "2026-03-03"))
    filled = load_workbook(io.BytesIO(out))["8D"]
    template = load_workbook(REPO / "report_templates/example-8d.xlsx")["8D"]
    assert filled["C2"].value == "KS-2025-0002"
    assert filled["G2"].value == data["customer"]["company"]
    assert filled["C5"].value == "0123456789ab"
    assert filled["A8"].value == data["d2_problem"]["summary"]  # a defined name
    assert filled["A14"].value == "C1" and filled["G14"].value == "已完成"
    assert filled["C25"].value == data["d5_actions"]["actions"][0]["description"]
    for row in template.iter_rows(min_row=1, max_row=template.max_row):
        for cell in row:
            assert _style(filled[cell.coordinate]) == _style(cell), cell.coordinate
    assert {str(r) for r in filled.merged_cells.ranges} == {
        str(r) for r in template.merged_cells.ranges
    }
    for col, dim in template.column_dimensions.items():
        assert filled.column_dimensions[col].width == dim.width
    assert filled.print_area == template.print_area
    # nothing internal in any cell
    secrets = internal_texts(data)
    values = {squeeze(str(c.value)) for row in filled.iter_rows() for c in row if c.value}
    assert not any(s in v for s in secrets for v in values)


def test_a_block_longer_than_the_template_gets_rows_formatted_alike(tmp_path: Path) -> None:
    mapping, _ = xlsx.load_mapping(
        REPO / "report_templates/example-8d.yaml", "report_templates/example-8d.yaml"
    )
    assert mapping is not None
    data = load_record(REPO / "records" / "KS-2025-0002.yaml")
    actions = data["d3_containment"]["actions"]
    data["d3_containment"]["actions"] = [
        {**actions[0], "id": f"C{i}", "description": f'=HYPERLINK("x","{i}")'} for i in range(1, 8)
    ]
    out = xlsx.fill_template(mapping, data, "zh", ("0123456789ab", "2026-03-03"))
    ws = load_workbook(io.BytesIO(out))["8D"]
    template = load_workbook(REPO / "report_templates/example-8d.xlsx")["8D"]
    assert [ws.cell(row=r, column=1).value for r in range(14, 21)] == [f"C{i}" for i in range(1, 8)]
    # a text that looks like a formula stays text
    assert ws["C14"].data_type == "s" and ws["C14"].quotePrefix
    assert _style(ws["C20"]) == _style(template["C17"])
    # what was below the block moved down by three rows, merged cells and values with it
    assert ws["A21"].value == template["A18"].value == "D4 根本原因 Root cause (occurrence)"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A21:H21" in merged and "A18:H18" not in merged
    assert "A22:H24" in merged and _style(ws["A21"]) == _style(template["A18"])
    assert ws["A22"].value == data["d4_root_cause"]["occurrence"][0]["statement"]
    assert ws["A28"].value == "P1"  # the second block starts three rows lower too


def test_a_mapping_naming_an_internal_field_is_refused(tmp_path: Path) -> None:
    shutil.copy(REPO / "report_templates/example-8d.xlsx", tmp_path / "example-8d.xlsx")
    text = (REPO / "report_templates/example-8d.yaml").read_text(encoding="utf-8")
    (tmp_path / "m.yaml").write_text(text.replace("C2: id", "C2: facts.line_stop"), "utf-8")
    mapping, diags = xlsx.load_mapping(tmp_path / "m.yaml", "report_templates/m.yaml")
    assert mapping is None
    assert [(d.code, d.field) for d in diags] == [("template-field", "cells.C2")]


# ----------------------------------------------------------------- the command


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = copy_demo(tmp_path / "repo")
    shutil.copytree(REPO / "report_templates", root / "report_templates")
    (root / "kesu.yaml").write_text(
        "report:\n  profile: kesu\n  customers:\n"
        "    C001: {profile: vda}\n"
        "    C002: {profile: g8d, language: en}\n"
        "    C003: {template: report_templates/example-8d.yaml}\n",
        encoding="utf-8",
    )
    return root


AS_OF = "2026-11-24 12:00"


def test_kesu_report_writes_the_customers_profile(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.pdf"
    code = main(["-C", str(demo), "report", "KS-2026-0001", "--as-of", AS_OF, "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "8D 报告（VDA）" in text and "未检出的根本原因" in text  # C001 → vda
    assert "uncommitted" in text  # not in Git: the revision says so
    xl = tmp_path / "r.xlsx"
    args = ["report", "KS-2025-0002", "--format", "xlsx", "--as-of", AS_OF, "-o", str(xl)]
    code = main(["-C", str(demo), *args])
    assert code == 0
    assert load_workbook(xl)["8D"]["C2"].value == "KS-2025-0002"  # C003 → its own template


def test_kesu_report_explain_lists_what_is_left_out(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-C", str(demo), "--lang", "en", "report", "KS-2026-0001", "--explain"])
    out = capsys.readouterr().out
    assert code == 0
    assert "problem_key  Problem key  — internal, never sent" in out
    assert "approvals[].comment" in out and "facts" in out
    assert "responsibility.owner  Owner  — one of our people, not named by the profile" in out
    assert "reporter.phone" not in out  # in the report


def test_kesu_report_refusals(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(demo), "report", "KS-2099-0001", "--as-of", AS_OF]) == 2
    assert "KS-2099-0001" in capsys.readouterr().err
    code = main(["-C", str(demo), "report", "KS-2026-0001", "--profile", "ford", "--as-of", AS_OF])
    assert code == 2
    assert "[profile-unknown]" in capsys.readouterr().err
    path = demo / "records" / "KS-2026-0001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: closed", "status: shut"))
    assert main(["-C", str(demo), "report", "KS-2026-0001", "--as-of", AS_OF]) == 1
    assert "KS-2026-0001" in capsys.readouterr().err


def test_validate_reports_what_the_customers_profile_needs(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = demo / "records" / "KS-2026-0001.yaml"  # C001: vda; closed
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\n  summary: ECN C→D[^\n]*", "", text, count=1)
    path.write_text(text, encoding="utf-8")
    code = main(["-C", str(demo), "--lang", "en", "validate", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    found = [d for d in doc["diagnostics"] if d["code"] == "report-field-missing"]
    assert [(Path(d["file"]).name, d["field"]) for d in found] == [
        ("KS-2026-0001.yaml", "d2_problem.summary")
    ]
    assert "profile vda needs it in D2 from stage containment on" in found[0]["message"]


def test_left_out_reports_internal_subtrees_once() -> None:
    profile, _ = load_profile(REPO, "g8d")
    assert profile is not None
    data = load_record(REPO / "records" / "KS-2026-0001.yaml")
    paths = [x.path for x in left_out(data, profile.shown_paths())]
    assert "milestones" in paths and not any(p.startswith("milestones.") for p in paths)
    assert "reporter.phone" not in paths


def test_no_cjk_font_is_a_clear_refusal(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "FONT_FAMILY", "No Such Font Kesu")
    pdf.check_font.cache_clear()
    try:
        args = ["report", "KS-2026-0001", "--as-of", AS_OF, "-o", str(tmp_path / "r.pdf")]
        assert main(["-C", str(demo), "--lang", "en", *args]) == 2
        err = capsys.readouterr().err
        assert "the CJK font No Such Font Kesu is not installed" in err and "fonts-noto-cjk" in err
        assert "Traceback" not in err and not (tmp_path / "r.pdf").exists()
    finally:
        pdf.check_font.cache_clear()


def test_a_template_that_cannot_serve_is_refused_with_its_reason(tmp_path: Path) -> None:
    text = (REPO / "report_templates/example-8d.yaml").read_text(encoding="utf-8")
    (tmp_path / "example-8d.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (tmp_path / "m.yaml").write_text(text, "utf-8")
    _, diags = xlsx.load_mapping(tmp_path / "m.yaml", "report_templates/m.yaml")
    assert [(d.code, d.field) for d in diags] == [("template-unusable", "template")]
    shutil.copy(REPO / "report_templates/example-8d.xlsx", tmp_path / "example-8d.xlsx")
    text = text.replace('sheet: "8D"', 'sheet: "Sheet9"').replace("ProblemText:", "Nowhere:")
    (tmp_path / "m.yaml").write_text(text, "utf-8")
    _, diags = xlsx.load_mapping(tmp_path / "m.yaml", "report_templates/m.yaml")
    assert [(d.code, d.field) for d in diags] == [
        ("template-unusable", "sheet"),
        ("template-unusable", "cells.Nowhere"),
    ]
    assert "has no sheet 'Sheet9' (it has: 8D)" in diags[0].message_en
