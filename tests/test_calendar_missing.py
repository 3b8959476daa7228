"""The missing year is visible: from 1 November, while next year's official calendar is not in,
``kesu validate`` says so once with the command to run, the dashboard says so once, the robot
message carries it, and the estimated dues are listed on one page."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from generator.cli.main import main
from generator.config.calendars import missing_year
from generator.config.settings import load_config
from generator.net.notify import OverdueItem, message
from generator.site.build import generate_pages
from generator.time.workcal import load_official_calendar
from tests.conftest import CASES
from tests.site_fixtures import built_site, site_repo

TZ = ZoneInfo("Asia/Shanghai")
COMMAND = "kesu calendar add NOTICE.txt --url URL"
YEAR_2027 = """years:
  2027:
    published: true
    source: 国务院办公厅关于2027年部分节假日安排的通知（a file for this test only）
    holidays:
      - {name: 元旦, name_en: New Year's Day, days: [2027-01-01..2027-01-03]}
    workdays: []
"""


@pytest.mark.parametrize(
    ("as_of", "year"),
    [
        (datetime(2026, 10, 31, 23, 59, tzinfo=TZ), None),
        (datetime(2026, 11, 1, 0, 0, tzinfo=TZ), 2027),
        (datetime(2026, 12, 31, 23, 59, tzinfo=TZ), 2027),
        (datetime(2027, 3, 1, 0, 0, tzinfo=TZ), 2027),  # this year itself
        (datetime(2026, 6, 1, tzinfo=TZ), None),
    ],
)
def test_missing_year(as_of: datetime, year: int | None) -> None:
    assert missing_year(load_official_calendar(), as_of) == year


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "records").mkdir(parents=True)
    shutil.copy(CASES / "check/kesu.yaml", root / "kesu.yaml")  # preset 002: working days
    data = yaml.safe_load((CASES / "check/records/KS-2025-0003.yaml").read_text(encoding="utf-8"))
    # Confirmed on Thursday 31 December 2026: its 1-working-day plan is due in 2027.
    data.update(id="KS-2026-0001", received_at="2026-12-31 09:00", confirmed_at="2026-12-31 10:00")
    (root / "records/KS-2026-0001.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


def _validate(root: Path, capsys: pytest.CaptureFixture[str], as_of: str) -> list[str]:
    capsys.readouterr()
    assert main(["-C", str(root), "--lang", "en", "validate", "--as-of", as_of]) == 0
    return capsys.readouterr().out.splitlines()


def test_validate_says_it_once_with_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _repo(tmp_path)
    assert _validate(root, capsys, "2026-10-31 12:00") == ["Checked 1 record: all valid."]
    out = _validate(root, capsys, "2026-11-01 08:00")
    assert out == [
        "calendar/cn-2027.yaml: warning [calendar-year-missing] The official calendar for 2027 "
        "is not in yet: working-day dues that reach 2027 count weekends only (marked estimated)",
        "    Hint: When the State Council's notice for 2027 is out, save its text to a file, "
        f"run {COMMAND} and open a pull request.",
        "Checked 1 record: all valid (1 warning).",
    ]
    (root / "calendar").mkdir()
    (root / "calendar/cn-2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    assert _validate(root, capsys, "2026-11-01 08:00") == ["Checked 1 record: all valid."]


def test_the_dashboard_says_it_once_and_one_page_lists_the_estimates(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "site", _repo(tmp_path) / "records")
    shutil.copy(CASES / "check/kesu.yaml", root / "kesu.yaml")
    config, _ = load_config(root)
    as_of = datetime(2026, 12, 31, 12, 0, tzinfo=TZ)
    assert generate_pages(config, as_of, "en", strict=True).ok
    home = (root / "site/generated/_home.md").read_text(encoding="utf-8")
    assert home.count("The official calendar for 2027 is not in yet") == 1
    assert f"<code>{COMMAND}</code>" in home
    assert '<a href="generated/estimated.html">1 estimated deadline(s)</a>' in home
    page = (root / "site/generated/estimated.md").read_text(encoding="utf-8")
    assert page.count(">KS-2026-0001</a>") == 1
    assert "Emergency plan" in page and "2027-01-01" in page
    assert "Long-term preventive measures" not in page  # no start yet: not computed
    built_site(root, tmp_path / "public", "en", as_of)  # --strict: the links resolve
    (root / "calendar").mkdir()
    (root / "calendar/cn-2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    assert generate_pages(config, as_of, "en", strict=True).ok
    home = (root / "site/generated/_home.md").read_text(encoding="utf-8")
    assert "not in yet" not in home
    page = (root / "site/generated/estimated.md").read_text(encoding="utf-8")
    assert "KS-2026-0001" not in page  # 2027 is in: the due is the official one


def test_the_robot_message_carries_it() -> None:
    as_of = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
    item = OverdueItem("KS-2026-0001", "标题", "应急处理方案", datetime(2026, 11, 1, tzinfo=TZ))
    text = message([item], as_of, "en", missing_year=2027)
    assert text.splitlines()[1] == (
        f"- ⚠ The official calendar for 2027 is not in yet: run {COMMAND}"
    )
    alone = message([], as_of, "zh", missing_year=2027)
    assert (
        alone
        == f"**官方日历缺少 2027 年**（截至 2026-11-02 09:00）\n- ⚠ 2027 年的官方放假安排尚未录入：请运行 {COMMAND}"
    )
