"""Issue 18, point 3: stalled work is a list (dashboard, weekly page, robot message), with the
days since the last change from Git."""

from __future__ import annotations

import contextlib
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.cli.main import main
from generator.compute.stalled import StallInput, find_stalled, last_change
from generator.config.settings import load_config
from generator.render import render_site
from generator.site.build import compute_site
from tests.conftest import copy_demo, git_at

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 12, 4, 12, 0, tzinfo=TZ)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_last_change_is_the_newest_commit_or_record_time_up_to_as_of() -> None:
    data = {
        "received_at": "2026-11-01 09:00",
        "sample": {"requested_at": "2026-11-02 10:00"},
        "milestones": {"x": {"done_at": "2026-11-05 17:00"}},
        "d5_actions": {"actions": [{"due": "2026-12-30", "done_at": "2026-12-20"}]},
    }
    assert last_change(data, [], AS_OF, TZ) == at("2026-11-05 17:00")  # due dates are plans
    commits = [at("2026-11-20 08:00"), at("2026-12-10 08:00")]  # the second is after as_of
    assert last_change(data, commits, AS_OF, TZ) == at("2026-11-20 08:00")
    assert last_change({}, [], AS_OF, TZ) is None


def test_find_stalled_by_status_and_clock() -> None:
    items = [
        StallInput("no-clock", "registered", False, AS_OF - timedelta(days=16)),
        StallInput("clock-running", "registered", True, AS_OF - timedelta(days=40)),
        StallInput("fresh", "analysis", False, AS_OF - timedelta(days=13, hours=23)),
        StallInput("verify-long", "verification", False, AS_OF - timedelta(days=275)),
        StallInput("verify-short", "verification", False, AS_OF - timedelta(days=50)),
        StallInput("unknown", "analysis", False, None),
    ]
    got = find_stalled(items, AS_OF, 14, {"verification": 60})
    assert [(s.record_id, s.days, s.limit) for s in got] == [
        ("verify-long", 275, 60),
        ("no-clock", 16, 14),
    ]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo records committed on 1 October 2026; KS-2026-0028 edited on 1 December."""
    root = copy_demo(tmp_path_factory.mktemp("stalled"))
    (root / "kesu.yaml").write_text(
        (root / "kesu.yaml").read_text(encoding="utf-8")
        + "  stalled_days: 14\n  stalled_days_by_status: {verification: 60}\n",
        encoding="utf-8",
    )
    git_at(root, "init", "-q", "-b", "main", when="2026-10-01T09:00:00+08:00")
    git_at(root, "add", "-A", when="2026-10-01T09:00:00+08:00")
    git_at(root, "commit", "-qm", "records", when="2026-10-01T09:00:00+08:00")
    path = root / "records" / "KS-2026-0028.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "notes: 已催客户寄样。\n", encoding="utf-8")
    git_at(root, "commit", "-qam", "chase", when="2026-12-01T10:00:00+08:00")
    return root


def _stalled_ids(page: str) -> list[str]:
    part = page.split('class="kesu-stalled"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="[^"]*?(KS-[0-9-]+)\.html"', part)


def test_dashboard_and_weekly_list_the_stalled_records(repo: Path) -> None:
    config, _ = load_config(repo)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    pages = {p.path: p.content for p in render_site(site, {}, {}) if isinstance(p.content, str)}
    home = _stalled_ids(pages["generated/_home.md"])
    week = _stalled_ids(pages["generated/weekly/2026-W49.md"])
    assert home == week
    # registered on 17 November, no sample yet, no clock running, untouched since: stalled
    assert "KS-2026-0027" in home
    # the same, but edited in Git on 1 December: not stalled
    assert "KS-2026-0028" not in home
    # records with a milestone due are never on the list (they are on the deadline lists)
    assert not {"KS-2026-0025", "KS-2026-0029"} & set(home)
    for rid in home:
        row = site.by_id[rid]
        assert row.is_open and not any(d.open_at(AS_OF) for d in row.deadlines)
    assert (
        'data-kesu-count="stalled_records"><div class="kesu-kpi-value">' + str(len(home))
        in (pages["generated/_home.md"])
    )
    # verification waits 60 days: KS-2026-0022's last time is within them, so it is not listed
    assert site.by_id["KS-2026-0022"].status == "verification"
    assert "KS-2026-0022" not in home


def test_robot_message_lists_the_stalled_records(repo: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "-C",
                str(repo),
                "notify",
                "--dry-run",
                "--kind",
                "wecom",
                "--as-of",
                "2026-12-04 12:00",
            ]
        )
    assert code == 0
    text = json.loads(out.getvalue())["markdown"]["content"]
    assert "**停滞客诉" in text
    line = next(x for x in text.splitlines() if x.startswith("- KS-2026-0027 "))
    assert "已登记，16 天无改动" in line
    assert "KS-2026-0028 " not in text
