"""``kesu calendar add NOTICE.txt``: the State Council's notice, read and written into the records
repository.

The notices in ``tests/cases/notices`` are written in the official style (as pasted from
gov.cn, with the web clutter, full-width forms and wrapped lines people paste) for years whose
dates ``chinesecalendar`` confirms: each is compared day by day with the package and with Kesu's
own data for that year.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]
import pytest
import yaml

from generator.change.rulefiles import kind_of
from generator.cli.main import main
from generator.config.calendars import repository_calendar, year_file_text
from generator.config.settings import load_config
from generator.time.calcheck import against_package, against_rules
from generator.time.notice import NoticeError, parse_notice
from generator.time.workcal import OfficialCalendar, load_official_calendar, parse_official_calendar
from tests.conftest import CASES

NOTICES = CASES / "notices"
URL = "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm"
PLACEHOLDER_2026 = (
    "years:\n  2026:\n    published: false\n    source: placeholder\n"
    "    holidays: []\n    workdays: []\n"
)


def _read(name: str) -> str:
    return (NOTICES / name).read_text(encoding="utf-8")


def _calendar(name: str) -> tuple[int, OfficialCalendar]:
    notice = parse_notice(_read(name), name)
    text = year_file_text(notice, URL)
    return notice.year, parse_official_calendar(text, name)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def _working(cal: OfficialCalendar, d: date) -> bool:
    return d in cal.workdays or (d not in cal.holidays and d.weekday() < 5)


@pytest.mark.parametrize("name", ["2025.txt", "2026.txt", "2026-fullwidth.txt", "2019.txt"])
def test_notice_matches_chinesecalendar_day_by_day(name: str) -> None:
    year, cal = _calendar(name)
    assert cal.published_years == {year}
    wrong = [d for d in _days(year) if _working(cal, d) != chinese_calendar.is_workday(d)]
    assert wrong == []
    for d in cal.holidays:  # the days it sets in the year before too (2019: 2018-12-29..31)
        assert not chinese_calendar.is_workday(d), d
    for d in cal.workdays:
        assert chinese_calendar.is_workday(d) and d.weekday() >= 5, d


@pytest.mark.parametrize("name", ["2025.txt", "2026.txt", "2026-fullwidth.txt", "2019.txt"])
def test_notice_gives_exactly_kesus_own_data(name: str) -> None:
    year, cal = _calendar(name)
    shipped = load_official_calendar()
    mine = {d: n for d, n in shipped.holidays.items() if d.year == year or d.month == 12}
    expect = {d: n for d, n in mine.items() if d in cal.holidays or d.year == year}
    assert cal.holidays == expect
    assert cal.workdays == {
        d: n for d, n in shipped.workdays.items() if d in cal.workdays or d.year == year
    }
    assert {n: cal.names_en[n] for n in cal.names_en} == {
        n: shipped.names_en[n] for n in cal.names_en
    }


def test_notice_header_and_items_are_read() -> None:
    notice = parse_notice(_read("2026-fullwidth.txt"), "n.txt")
    assert notice.source == (
        "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号，2025-11-04）"
    )
    assert notice.url == URL
    assert notice.items[1].startswith("二、春节：2月15日(农历腊月二十八、周日)至23日")
    assert notice.items[1].endswith("2月28日(星期六)上班。")  # the wrapped line joined
    assert [p.line for p in notice.holidays] == [4, 5, 7, 8, 9, 10, 11]


def test_a_range_across_the_years_end_without_years() -> None:
    text = _read("2019.txt").replace("2018年12月30日至2019年1月1日", "12月30日至1月1日")
    text = text.replace("2018年12月29日（星期六）上班", "12月29日（星期六）上班")
    notice = parse_notice(text, "n.txt")
    assert notice.holidays[0].days == (date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1))
    assert notice.workdays[0].days == (date(2018, 12, 29),)


# A line the reader cannot read is refused with that line: (replace, by, line, zh, en).
REFUSED = [
    (
        "1月4日（周日）上班",
        "1月4日（周一）上班",
        6,
        "2026-01-04 是周日，不是周一",
        "2026-01-04 is a Sunday, not 周一",
    ),
    (
        "放假调休，共9天",
        "放假调休，共8天",
        7,
        "「共8天」与日期 2026-02-15..2026-02-23（9 天）不符",
        "'共8天' does not match 2026-02-15..2026-02-23 (9 days)",
    ),
    (
        "5月9日（周六）上班",
        "5月8日上班",
        9,
        "2026-05-08 是周五：调休上班日应为周六或周日",
        "2026-05-08 is a Friday: a make-up working day is a Saturday or Sunday",
    ),
    (
        "4月4日（周六）至6日（周一）",
        "2月30日至6日",
        8,
        "2026年2月30日不存在",
        "2026-02-30 does not exist",
    ),
    (
        "6月19日（周五）至21日（周日）放假，共3天",
        "6月19日（周五）至21日（周日）休息，共3天",
        10,
        "无法识别「6月19日(周五)至21日(周日)休息,共3天」",
        "cannot read '6月19日(周五)至21日(周日)休息,共3天'",
    ),
    (
        "　　六、中秋节",
        "　　注：以上日期如有调整另行通知。\n　　六、中秋节",
        11,
        "无法识别这一行",
        "cannot read this line",
    ),
    (
        "　　六、中秋节：",
        "　　六、植树节：",
        11,
        "未知的节日名称「植树节」",
        "unknown holiday name '植树节'",
    ),
    (
        "（农历腊月二十八、周日）",
        "（腊月二十八、周日）",
        7,
        "无法识别括号中的「腊月二十八」",
        "cannot read '腊月二十八' in brackets",
    ),
    (
        "9月20日（周日）、10月10日",
        "9月20日（周日）；10月10日",
        12,
        "无法识别「9月20日(周日)」：应为「…放假…」或「…上班」",
        "expected a holiday period",
    ),
    (
        "10月1日（周四）至7日（周三）放假调休，共7天。",
        "10月1日（周四）至7日（周三）放假调休，共7天。10月7日（周三）放假。",
        12,
        "国庆节有两段放假日期",
        "two holiday periods",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "line", "zh", "en"), REFUSED, ids=[r[4][:24] for r in REFUSED]
)
def test_an_unreadable_line_is_refused_with_that_line(
    old: str, new: str, line: int, zh: str, en: str
) -> None:
    text = _read("2026.txt")
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(NoticeError) as caught:
        parse_notice(text, "notice.txt")
    err = caught.value
    assert (err.file, err.line) == ("notice.txt", line)
    assert err.text == text.splitlines()[line - 1].strip()
    zh_text, en_text = err.message("zh"), err.message("en")
    assert zh_text.startswith(f"notice.txt:{line}: ") and zh in zh_text
    assert en_text.startswith(f"notice.txt:{line}: ") and en in en_text
    assert en_text.endswith("\n  " + err.text)


def test_no_items_and_no_year_are_refused() -> None:
    with pytest.raises(NoticeError, match="no numbered holiday item"):
        parse_notice("国务院办公厅关于2027年部分节假日安排的通知\n\n经国务院批准……\n", "n.txt")
    body = "\n".join(x for x in _read("2026.txt").splitlines() if "2026年" not in x)
    with pytest.raises(NoticeError, match="no year found"):
        parse_notice(body, "n.txt")


def test_second_opinions_agree_on_real_notices() -> None:
    for name in ("2025.txt", "2026.txt", "2019.txt"):
        notice = parse_notice(_read(name), name)
        assert against_package(notice) == []
        assert against_rules(notice) == []


def test_second_opinions_warn() -> None:
    # A second make-up day on Sunday 10 May: chinesecalendar disagrees on that day, and the
    # 2024 rules on the 10 working days in a row after Labour Day (6 at most).
    text = _read("2026.txt").replace("5月9日（周六）上班", "5月9日（周六）、5月10日（周日）上班")
    notice = parse_notice(text, "n.txt")
    package = against_package(notice)
    assert package is not None
    assert [f.text("en") for f in package] == [
        "2026-05-10: chinesecalendar says a day off, the notice as read says a working day"
    ]
    rules = [f.text("en") for f in against_rules(notice)]
    assert rules == ["10 working days in a row after Labour Day, more than 6"]
    short = parse_notice(
        _read("2026.txt").replace(
            "5月1日（周五）至5日（周二）放假调休，共5天", "5月1日（周五）放假1天"
        ),
        "n.txt",
    )
    assert "2026-05-02 is a statutory day of Labour Day but not among its days off" in [
        f.text("en") for f in against_rules(short)
    ]


def test_rules_are_not_applied_before_2025() -> None:
    text = _read("2019.txt").replace("2月4日至10日放假调休，共7天", "2月4日放假1天")
    assert against_rules(parse_notice(text, "n.txt")) == []


# ------------------------------------------------------------------ the command, in a repository


def _record(rid: str, received: str, confirmed: str) -> str:
    data = yaml.safe_load((CASES / "check/records/KS-2025-0003.yaml").read_text(encoding="utf-8"))
    data.update(id=rid, received_at=received, confirmed_at=confirmed)
    data["d0_emergency"]["actions"][0]["due"] = received[:10]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "records").mkdir(parents=True)
    shutil.copy(CASES / "check/kesu.yaml", root / "kesu.yaml")  # preset 002: working days
    # Open on the Friday before Spring Festival 2026: 1 working day is Saturday 14 February (a
    # make-up day) by the notice, Monday 16 February counting weekends only.
    (root / "records/KS-2026-0001.yaml").write_text(
        _record("KS-2026-0001", "2026-02-12 10:00", "2026-02-13 09:00"), encoding="utf-8"
    )
    (root / "calendar").mkdir()
    # Kesu ships 2026; this repository's placeholder takes it away, as 2027 is today.
    (root / "calendar/cn-2026.yaml").write_text(PLACEHOLDER_2026, encoding="utf-8")
    return root


def _run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["-C", str(root), "--lang", "en", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_prints_what_it_found_and_what_moves_then_writes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = NOTICES / "2026-fullwidth.txt"
    target = repo / "calendar/cn-2026.yaml"
    code, out, err = _run(
        capsys, repo, "calendar", "add", str(notice), "--as-of", "2026-02-13 12:00", "--replace"
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert (
        lines[0]
        == "2026: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号，2025-11-04）"
    )
    assert "  Spring Festival: 2026-02-15 – 2026-02-23 (9 days)" in lines
    assert "  Spring Festival: 2026-02-14、2026-02-28" in lines
    assert "chinesecalendar agrees on every day of 2026." in lines
    moved = lines.index(
        "Open records' dues this year moves (as of 2026-02-13 12:00; before → after):"
    )
    assert lines[moved + 1] == "  KS-2026-0001 Emergency plan: 2026-02-16 23:59 → 2026-02-14 23:59"
    assert lines[-1].startswith("Written calendar/cn-2026.yaml.")
    written = target.read_text(encoding="utf-8")
    assert written == year_file_text(parse_notice(notice.read_text(encoding="utf-8"), "x"), URL)
    config, _ = load_config(repo)
    official, problems = repository_calendar(config)
    assert problems == [] and official is not None
    assert official.holidays == load_official_calendar().holidays  # the year is Kesu's again
    code, out, _ = _run(capsys, repo, "calendar", "add", str(notice), "--as-of", "2026-02-13 12:00")
    assert code == 0 and out.splitlines()[-1] == (
        "calendar/cn-2026.yaml already holds this notice: nothing to do."
    )
    assert _run(capsys, repo, "validate", "--as-of", "2026-02-13 12:00")[0] == 0


def test_add_writes_nothing_on_dry_run_or_an_existing_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notice = str(NOTICES / "2026.txt")
    target = repo / "calendar/cn-2026.yaml"
    code, out, _ = _run(
        capsys,
        repo,
        "calendar",
        "add",
        notice,
        "--url",
        URL,
        "--dry-run",
        "--as-of",
        "2026-02-13 12:00",
    )
    assert code == 0 and out.splitlines()[-1] == "--dry-run: calendar/cn-2026.yaml not written."
    assert target.read_text(encoding="utf-8") == PLACEHOLDER_2026
    code, _, err = _run(capsys, repo, "calendar", "add", notice, "--url", URL)
    assert code == 2 and "exists with other content; check it, then add --replace" in err
    assert target.read_text(encoding="utf-8") == PLACEHOLDER_2026


def test_add_refuses_an_unreadable_notice_and_writes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "notice.txt"
    bad.write_text(
        _read("2026.txt").replace("1月4日（周日）上班", "1月4日（周一）上班"), encoding="utf-8"
    )
    (repo / "calendar/cn-2026.yaml").unlink()
    code, out, err = _run(capsys, repo, "calendar", "add", str(bad), "--url", URL)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{bad.as_posix()}:6: 2026-01-04 is a Sunday, not 周一",
        "  一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周一）上班。",
        "Nothing written: fix that line (or the notice's copy) and run again.",
    ]
    assert not (repo / "calendar/cn-2026.yaml").exists()
    code, _, err = _run(capsys, repo, "calendar", "add", str(NOTICES / "2026.txt"))
    assert code == 2 and "--url" in err  # the text has no address: one must be given


def test_add_reads_a_gbk_file(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    gbk = tmp_path / "notice.txt"
    gbk.write_bytes(_read("2025.txt").encode("gb18030"))
    code, out, _ = _run(capsys, repo, "calendar", "add", str(gbk), "--url", URL, "--dry-run")
    assert code == 0 and "  Spring Festival: 2025-01-28 – 2025-02-04 (8 days)" in out


def test_bad_repository_calendar_files_are_located_errors(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "calendar/cn-2026.yaml").write_text(
        PLACEHOLDER_2026.replace("published: false", "published: true").replace(
            "holidays: []",
            "holidays:\n      - {name: 春节, name_en: Spring Festival, days: [2026-02-30]}",
        ),
        encoding="utf-8",
    )
    (repo / "calendar/other.yaml").write_text(PLACEHOLDER_2026, encoding="utf-8")
    code, out, _ = _run(capsys, repo, "validate", "--as-of", "2026-02-13 12:00")
    assert code == 1
    assert "calendar/cn-2026.yaml:6:53:" in out and "[calendar-file]" in out
    assert "'2026-02-30' is not a date" in out
    (repo / "calendar/cn-2026.yaml").write_text(PLACEHOLDER_2026, encoding="utf-8")
    code, out, _ = _run(capsys, repo, "validate", "--as-of", "2026-02-13 12:00")
    assert code == 1
    assert (
        "calendar/other.yaml:3:5:" in out
        and "2026 is already given in calendar/cn-2026.yaml" in out
    )


def test_the_calendar_folder_is_a_rule_file_of_kind_calendar() -> None:
    assert kind_of("calendar/cn-2027.yaml", "records") == "calendar"
    assert kind_of("rules/cal/cn-2027.yaml", "records", calendar_dirs=["rules/cal"]) == "calendar"
    assert kind_of("rules/other.yaml", "records", calendar_dirs=["rules/cal"]) == "other"


def test_check_treats_the_new_year_as_a_calendar_rule_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_check_gitrepo import make_repo

    play = make_repo(tmp_path, capsys, monkeypatch)
    (play.root / "records/KS-2026-0001.yaml").write_text(
        _record("KS-2026-0001", "2026-02-12 10:00", "2026-02-13 09:00"), encoding="utf-8"
    )
    (play.root / "calendar").mkdir()
    (play.root / "calendar/cn-2026.yaml").write_text(PLACEHOLDER_2026, encoding="utf-8")
    play.commit("2026 not published yet")
    play.branch("calendar-2026")
    as_of = ("--as-of", "2026-02-13 12:00")
    notice = str(NOTICES / "2026-fullwidth.txt")
    assert play.run("calendar", "add", notice, "--replace", *as_of)[0] == 0
    code, out, _ = play.run("check", "--base", "main", "--format", "json", *as_of)
    doc = json.loads(out)
    assert doc["rule_files"] == [
        {"path": "calendar/cn-2026.yaml", "kind": "calendar", "status": "M"}
    ]
    assert doc["moved_by_rules"] == [
        {
            "record": "KS-2026-0001",
            "what": "emergency_plan",
            "before": "2026-02-16T23:59:59.999999+08:00",
            "after": "2026-02-14T23:59:59.999999+08:00",
        }
    ]
    assert code == 1  # a rule change needs its approval in rule-changes.yaml
    assert [d["code"] for d in doc["diagnostics"] if d["severity"] == "error"] == ["rule-change"]
