"""``kesu import``: the synthetic ledger of ``tests/ledger_sample.py`` (several years, merged
header cells, mixed date styles, a GBK CSV) imported with the maps in ``tests/cases/import/``,
then new complaints graded as the procedure says given that history."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from generator.cli.main import main
from generator.config.settings import load_config
from generator.importing.dates import DateProblem, parse_ledger_date
from generator.load.yamlload import load_yaml_file
from generator.pipeline import analyse
from tests.ledger_sample import CSV_NAME, XLSX_NAME, write_sample

CASES = Path(__file__).parent / "cases" / "import"
TZ = ZoneInfo("Asia/Shanghai")
IMPORTED_ON = "2026-01-05"


def _repo(tmp: Path, preset: str) -> Path:
    repo = tmp / "repo"
    (repo / "records").mkdir(parents=True)
    (repo / "kesu.yaml").write_text(
        f'preset: "{preset}"\npeople:\n  - {{name: 周建华, login: zhou-qm, roles: [quality_manager]}}\n',
        encoding="utf-8",
    )
    return repo


def _import(repo: Path, ledger: Path, map_name: str, *extra: str) -> int:
    return main(
        [
            "-C",
            str(repo),
            "import",
            str(ledger),
            "--map",
            str(CASES / map_name),
            "--as-of",
            IMPORTED_ON,
            *extra,
        ]
    )


def _records(repo: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for p in sorted((repo / "records").glob("*.yaml")):
        data = load_yaml_file(p, p.name).data
        assert isinstance(data, dict)
        out[p.stem] = data
    return out


def _by_key(repo: Path) -> dict[str, str]:
    return {r["imported"]["key"]: rid for rid, r in _records(repo).items() if "imported" in r}


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[Path, Path]:
    return write_sample(tmp_path / "ledger")


def _new(
    repo: Path, rid: str, received: str, customer: str, part: str, code: str, ccode: str = ""
) -> None:
    """A new complaint registered after the import, with no grading facts: its grade comes
    from the imported history alone."""
    (repo / "records" / f"{rid}.yaml").write_text(
        f"id: {rid}\ntitle: {customer} {part} {code}\norigin: external\ncategory: quality\n"
        f'channel: phone\nreceived_at: "{received}"\nstatus: registered\n'
        f"customer: {{company: {customer}{f', code: {ccode}' if ccode else ''}}}\nproduct: {{name: 产品, part_number: {part}}}\n"
        f"description: 新投诉\ndefect_code: {code}\nproblem_key: {customer}/{part}/{code}\n",
        encoding="utf-8",
    )


def test_import_then_grades_follow_preset_000(
    tmp_path: Path, ledger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx, csv_path = ledger
    repo = _repo(tmp_path, "000")
    assert _import(repo, xlsx, "ledger-000.yaml", "--approver", "周建华") == 1  # 4 bad rows
    assert _import(repo, csv_path, "aftersales-000.yaml", "--approver", "周建华") == 0
    keys = _by_key(repo)
    assert len(keys) == 13
    # 恒力工控, imported (2025-11-20, grade 3): the same problem twice within 3 months → 1 (1b)
    _new(repo, "KS-2026-0001", "2026-01-15 10:00", "恒力工控", "WH-PLC-0350", "PIN-BACKOUT")
    # 远航汽车: imported 2025-05-10 (grade 3), 2023 outside: a grade-3 problem's 2nd within 12
    # months → 2 (2c)
    _new(repo, "KS-2026-0002", "2026-02-01 10:00", "远航汽车", "CN-220", "CRACK")
    # 蓝海电器: imported 2025-04-02 recorded as 严重问题 (grade 2): its 2nd within 12 months → 1
    # (1d). Without the recorded grade it would count as grade 3 and give 2.
    _new(repo, "KS-2026-0003", "2026-03-01 10:00", "蓝海电器", "PCB-7781", "SHORT")
    # 星辰医疗: imported 2023 and 2024 only, none within 12 months → 3
    _new(repo, "KS-2026-0004", "2026-01-10 10:00", "星辰医疗", "SN-100", "NOISE")
    # 东方电梯: imported 2025-03-01 and 2025-09-01 (grade 3; 2024-07-27 is outside): the 3rd
    # occurrence of a grade-3 problem within 12 months → 1
    _new(repo, "KS-2026-0005", "2026-02-15 10:00", "东方电梯", "EL-55", "WEAR")
    # 华北重工: only in the GBK CSV (2025-12-05): twice within 3 months → 1
    _new(repo, "KS-2026-0006", "2026-01-20 10:00", "华北重工", "HX-9", "LEAK")
    config, _ = load_config(repo)
    analysis = analyse(config, datetime(2026, 3, 31, 12, tzinfo=TZ))
    assert not analysis.has_errors, [d.message_en for d in analysis.diagnostics]
    got = {rid: analysis.computed[rid].grade for rid in analysis.computed if "2026" in rid}
    assert {rid: g.grade for rid, g in got.items()} == {
        "KS-2026-0001": "1",
        "KS-2026-0002": "2",
        "KS-2026-0003": "1",
        "KS-2026-0004": "3",
        "KS-2026-0005": "1",
        "KS-2026-0006": "1",
    }
    named = {rid: {r for reason in g.reasons for r in reason.records} for rid, g in got.items()}
    assert named["KS-2026-0001"] == {keys["KS2025-005"]}
    assert named["KS-2026-0002"] == {keys["KS2025-003"]}
    assert named["KS-2026-0003"] == {keys["KS2025-002"]}
    assert named["KS-2026-0005"] == {keys["KS2025-001"], keys["KS2025-004"]}
    assert named["KS-2026-0006"] == {keys["SH-25-031"]}
    assert [r.criterion for r in got["KS-2026-0003"].reasons] == ["1d"]
    # the imported records keep the grade their ledger recorded
    old = analysis.computed[keys["KS2025-002"]].grade
    assert (old.grade, old.fact_grade, old.reasons[0].criterion) == ("2", "2", "imported")
    from generator.render.reasons import reason_text

    assert (
        reason_text(old.reasons[0], "zh")
        == f"导入的历史记录：原台账（{XLSX_NAME}）记录的级别 2 严重问题"
    )
    capsys.readouterr()


def test_preset_002_repeats_within_12_months(tmp_path: Path, ledger: tuple[Path, Path]) -> None:
    xlsx, _ = ledger
    repo = _repo(tmp_path, "002")
    assert _import(repo, xlsx, "ledger-002.yaml", "--approver", "周建华") == 1
    # E: the same problem of the same product (part + defect) within 12 months (2025-05-10)
    _new(repo, "KS-2026-0001", "2026-02-01 10:00", "远航汽车", "CN-220", "CRACK")
    # F: the same customer (by its code, as the ERP spells it) within 12 months, another product
    _new(repo, "KS-2026-0002", "2026-02-10 10:00", "恒力工控", "WH-PLC-0999", "BURR", "C004")
    # neither: 星辰医疗's last complaint (2024-06-18) is older than 12 months
    _new(repo, "KS-2026-0003", "2026-01-10 10:00", "星辰医疗", "SN-100", "NOISE")
    config, _ = load_config(repo)
    analysis = analyse(config, datetime(2026, 3, 31, 12, tzinfo=TZ))
    grades = {rid: analysis.computed[rid].grade for rid in analysis.computed if "2026" in rid}
    assert {rid: g.grade for rid, g in grades.items()} == {
        "KS-2026-0001": "severe",
        "KS-2026-0002": "severe",
        "KS-2026-0003": "general",
    }
    assert "E" in {r.criterion for r in grades["KS-2026-0001"].reasons}
    assert {r.criterion for r in grades["KS-2026-0002"].reasons} == {"F"}


def test_bad_rows_are_named_and_not_written(
    tmp_path: Path, ledger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx, _ = ledger
    repo = _repo(tmp_path, "000")
    assert _import(repo, xlsx, "ledger-000.yaml") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        f"{XLSX_NAME}:2024年!C9 (投诉日期): received_at: 日期不存在：2024/2/30（2024 年 2 月没有 30 日）",
        f"{XLSX_NAME}:2025年!C10 (投诉日期): received_at: 日期不存在：6月31日（2025 年 6 月没有 31 日）",
        f"{XLSX_NAME}:2025年!D11 (客户信息/客户名称): problem_key: problem_key 由多列拼成，但这一列是空的",
        f"{XLSX_NAME}:2025年!D11 (客户信息/客户名称): customer: 客户为空",
        f"{XLSX_NAME}:2025年!K12 (问题等级): grade: “待定”不在映射为 grade 列出的写法中"
        "（客户投诉、严重问题、一般问题）：请在映射的 values 中加上它",
    ]
    assert out[5].startswith(f"{XLSX_NAME}:填写说明: 已跳过：")  # the notes sheet has no header
    assert out[-2] == "已新建 11 条记录，已导入过 0 条，4 行无法读取。"
    assert not {"KS2024-005", "KS2025-006", "KS2025-007", "KS2025-008"} & set(_by_key(repo))


def test_twice_makes_no_duplicates(
    tmp_path: Path, ledger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx, csv_path = ledger
    repo = _repo(tmp_path, "000")
    _import(repo, xlsx, "ledger-000.yaml")
    _import(repo, csv_path, "aftersales-000.yaml")
    before = {p.name: p.read_bytes() for p in (repo / "records").iterdir()}
    capsys.readouterr()
    _import(repo, xlsx, "ledger-000.yaml")
    assert _import(repo, csv_path, "aftersales-000.yaml") == 0
    out = capsys.readouterr().out
    assert "已新建 0 条记录，已导入过 11 条，4 行无法读取。" in out
    assert "已新建 0 条记录，已导入过 2 条，0 行无法读取。" in out
    assert {p.name: p.read_bytes() for p in (repo / "records").iterdir()} == before


def test_dry_run_writes_nothing_and_shows_the_table(
    tmp_path: Path, ledger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, csv_path = ledger
    repo = _repo(tmp_path, "000")
    assert (
        main(
            [
                "--lang",
                "en",
                "-C",
                str(repo),
                "import",
                str(csv_path),
                "--map",
                str(CASES / "aftersales-000.yaml"),
                "--dry-run",
                "--as-of",
                IMPORTED_ON,
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "row | id | received | customer | product | problem key | grade | status",
        f"{Path(CSV_NAME).stem}!4 | KS-2025-0001 | 2025-12-05 00:00 | 华北重工 | HX-9 | "
        "华北重工/HX-9/LEAK | 3 | closed",
        f"{Path(CSV_NAME).stem}!5 | KS-2025-0002 | 2025-12-18 00:00 | 蓝海电器 | PCB-7790 | "
        "蓝海电器/PCB-7790/NO-BOOT | 3 | closed",
        "2 record(s) would be created, 0 already imported, 0 row(s) not read.",
    ]
    assert list((repo / "records").iterdir()) == []


def test_imported_records_are_valid_approved_and_marked(
    tmp_path: Path, ledger: tuple[Path, Path]
) -> None:
    xlsx, _ = ledger
    repo = _repo(tmp_path, "000")
    _import(repo, xlsx, "ledger-000.yaml", "--approver", "周建华")
    records = _records(repo)
    first = records["KS-2023-0002"]
    assert first["received_at"] == "2023-08-14 10:30"  # an Excel date cell with a time
    assert first["imported"] == {
        "source": XLSX_NAME,
        "row": "2023年!A5",
        "key": "KS2023-002",
        "grade": "2",
        "imported_at": IMPORTED_ON,
    }
    assert first["approvals"][0]["subject"] == "import"
    assert first["approvals"][0]["role"] == "quality_manager"
    # merged data cells: the customer of the row below the merge's top
    assert records["KS-2024-0004"]["customer"] == {"company": "东方电梯", "code": "C030"}
    # serial numbers, 2024/3/12, 2024.06.18, 3月1日 with the sheet's year, text with a time
    assert [
        records[r]["received_at"]
        for r in ("KS-2024-0003", "KS-2024-0001", "KS-2024-0002", "KS-2025-0001", "KS-2025-0005")
    ] == [
        "2024-07-27 00:00",
        "2024-03-12 00:00",
        "2024-06-18 00:00",
        "2025-03-01 00:00",
        "2025-11-20 14:30",
    ]
    assert records["KS-2025-0005"]["description"] == "电话反馈端子退针。\n客户要求一周内回复。"
    assert main(["-C", str(repo), "validate"]) == 0


DATE_CASES = yaml.safe_load((CASES / "dates.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DATE_CASES["valid"], ids=lambda c: str(c["in"]))
def test_ledger_dates(case: dict[str, Any]) -> None:
    from datetime import time

    got = parse_ledger_date(case["in"], case.get("year"))
    assert got.text(time(0)) == case["out"]


@pytest.mark.parametrize("case", DATE_CASES["invalid"], ids=lambda c: str(c["in"]))
def test_ledger_dates_refused(case: dict[str, Any]) -> None:
    with pytest.raises(DateProblem) as err:
        parse_ledger_date(case["in"], case.get("year"))
    assert err.value.en == case["en"]


def test_bad_map_is_a_usage_error(
    tmp_path: Path, ledger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, csv_path = ledger
    repo = _repo(tmp_path, "000")
    bad = tmp_path / "map.yaml"
    bad.write_text("fields:\n  received_at: 日期\n  colour: 颜色\n", encoding="utf-8")
    assert main(["--lang", "en", "-C", str(repo), "import", str(csv_path), "--map", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "map.yaml:1:1" in err or "map.yaml:3" in err
    assert "the map has errors; nothing imported" in err
    assert list((repo / "records").iterdir()) == []


def test_hostile_cells_are_refused_per_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A control character or a bidirectional override in a cell makes that row fail (the
    record schema's text rules); a formula-looking text is kept as text (every writer guards
    it: the CSV/XLSX formula guard, Jinja autoescape)."""
    repo = _repo(tmp_path, "000")
    ledger = tmp_path / "l.csv"
    ledger.write_text(
        '日期,客户\n2025/1/2,甲\u202e公司\n2025/1/3,=HYPERLINK("http://x")\n2025/1/4,乙\x1b公司\n',
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "fields:\n  received_at: 日期\n  customer: 客户\ndefaults:\n  product: 产品\n"
        "  status: closed\n",
        encoding="utf-8",
    )
    assert (
        main(
            [
                "--lang",
                "en",
                "-C",
                str(repo),
                "import",
                str(ledger),
                "--map",
                str(mapping),
                "--as-of",
                IMPORTED_ON,
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "l!2: customer.company:" in out and "U+202E" in out
    assert "l!4: customer.company:" in out and "U+001B" in out
    assert (
        json.dumps([r["customer"]["company"] for r in _records(repo).values()], ensure_ascii=False)
        == '["=HYPERLINK(\\"http://x\\")"]'
    )


@pytest.mark.parametrize("approver", [["--approver", "周建华"], []], ids=["approved", "unapproved"])
def test_kesu_check_requires_the_import_approval(
    tmp_path: Path,
    ledger: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    approver: list[str],
) -> None:
    """The change rules of the trust issue: a new record may arrive at any status only as
    imported history with an ``approvals`` entry ``subject: import`` by the role
    ``change_control.imports`` names (``import-unapproved`` otherwise), in a real Git repo."""
    from tests.test_check_gitrepo import PlayRepo, codes

    xlsx, _ = ledger
    play = PlayRepo(tmp_path / "repo", capsys)
    play.branch("import-ledger")
    before = {p.stem for p in (play.root / "records").glob("*.yaml")}
    assert (
        play.run(
            "import",
            str(xlsx),
            "--map",
            str(CASES / "ledger-002.yaml"),
            "--as-of",
            "2026-01-05",
            *approver,
        )[0]
        == 1
    )  # the 4 bad rows of the sample
    play.commit("import the 2023-2025 ledger")
    imported = {p.stem for p in (play.root / "records").glob("*.yaml")} - before
    assert len(imported) == 11
    code, out, _err = play.run(
        "check", "--base", "main", "--as-of", "2026-01-06 12:00", "--format", "json"
    )
    doc = json.loads(out)
    errors = {c for c in codes(doc) if c[0] in imported}
    if approver:
        assert errors == set() and code == 0, doc["diagnostics"]
    else:
        assert errors == {(rid, "import-unapproved", "imported") for rid in imported}


def test_imported_records_are_marked_in_the_ledger_and_counted_in_the_analysis(
    tmp_path: Path, ledger: tuple[Path, Path]
) -> None:
    import io

    from generator.render import render_site
    from generator.site.build import compute_site

    xlsx, _ = ledger
    repo = _repo(tmp_path, "000")
    _import(repo, xlsx, "ledger-000.yaml", "--approver", "周建华")
    _new(repo, "KS-2026-0001", "2026-01-15 10:00", "恒力工控", "WH-PLC-0350", "PIN-BACKOUT")
    config, _ = load_config(repo)
    site = compute_site(
        config, datetime(2026, 3, 31, 12, tzinfo=TZ), "zh", strict=True, out=io.StringIO()
    )
    assert site is not None
    pages = {p.path: p.content for p in render_site(site, {}, {})}
    ledger_2025 = str(pages["generated/ledger/2025.md"])
    badge = 'class="kesu-badge kesu-imported" title="从原有台账导入的历史记录">导入</span>'
    assert ledger_2025.count(badge) == 5  # the five 2025 rows the sample imports
    assert badge not in str(pages["generated/ledger/2026.md"])  # a new complaint is not
    assert "其中导入的历史记录 11" in str(pages["generated/analysis/index.md"])
