"""Issue 18, point 4: the weekly meeting's agenda. Per open complaint, what changed in the
week (status moves from Git, milestones and actions done) and the next step with its owner
and date; a next step that rolled over says for how many weeks."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.compute.agenda import Action, agenda_item, next_step
from generator.config.settings import load_config
from generator.render import render_site
from generator.render.history import status_moves
from generator.render.sitedata import Deadline
from generator.site.build import compute_site
from tests.conftest import copy_demo, git_at

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)
WEEK = datetime(2026, 11, 23, tzinfo=TZ)


def _milestone(mid: str, due: datetime, done: datetime | None = None) -> Deadline:
    return Deadline("R", mid, mid, None, due, None, "policy", done, "pending", None, False, "")


def test_next_step_is_the_first_due_and_rolls_over() -> None:
    ms = [
        _milestone("report", WEEK - timedelta(days=20)),  # due three weeks ago, still open
        _milestone("onsite", WEEK - timedelta(days=30), WEEK - timedelta(days=26)),
    ]
    acts = [Action("d5_actions", "A1", "改模", "李工", WEEK + timedelta(days=30), None, "open")]
    step = next_step(ms, acts, AS_OF)
    assert step is not None and (step.kind, step.ref) == ("milestone", "report")
    item = agenda_item("R", ms, acts, [], WEEK, AS_OF, WEEK - timedelta(days=40))
    # the next step at the end of each of the last four weeks; at the end of the fifth week
    # back (day -28), "onsite" was still open and due first
    assert item.rolled_weeks == 4
    fresh = agenda_item("R", ms, acts, [], WEEK, AS_OF, WEEK - timedelta(days=3))
    assert fresh.rolled_weeks == 1  # received three days before the week: one earlier cut
    done = [_milestone("report", WEEK - timedelta(days=20), WEEK + timedelta(days=1))]
    item = agenda_item("R", done, acts, [], WEEK, AS_OF, None)
    assert [(e.kind, e.ref) for e in item.events] == [("milestone", "report")]
    assert item.next is not None and (item.next.ref, item.next.owner) == ("A1", "李工")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo records, KS-2026-0025 committed in containment on 1 October and moved to
    analysis on Wednesday 25 November."""
    root = copy_demo(tmp_path_factory.mktemp("agenda"))
    path = root / "records" / "KS-2026-0025.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: analysis\n", "status: containment\n"), encoding="utf-8")
    git_at(root, "init", "-q", "-b", "main", when="2026-10-01T09:00:00+08:00")
    git_at(root, "add", "-A", when="2026-10-01T09:00:00+08:00")
    git_at(root, "commit", "-qm", "records", when="2026-10-01T09:00:00+08:00")
    path.write_text(text, encoding="utf-8")
    git_at(root, "commit", "-qam", "D3 done", when="2026-11-25T14:00:00+08:00")
    return root


def test_status_moves_come_from_one_log_walk(repo: Path) -> None:
    moves = status_moves(repo, "records")
    got = [(m.before, m.after) for m in moves["KS-2026-0025"]]
    assert got == [(None, "containment"), ("containment", "analysis")]
    assert [(m.before, m.after) for m in moves["KS-2026-0011"]] == [(None, "verification")]


def test_weekly_page_has_the_agenda(repo: Path) -> None:
    config, _ = load_config(repo)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    pages = {p.path: p.content for p in render_site(site, {}, {}) if isinstance(p.content, str)}
    page = pages["generated/weekly/2026-W48.md"]
    table = page.split('class="kesu-agenda"', 1)[1].split("</table>", 1)[0]
    lines = {
        m[0]: m[1]
        for m in re.findall(
            r'<tr[^>]*><td[^>]*><a href="[^"]*?(KS-[0-9-]+)\.html">.*?</a></td>(.*?)</tr>', table
        )
    }
    assert set(lines) == {r.id for r in site.rows if r.open_at(AS_OF)}

    def cells(rid: str) -> list[str]:
        return [
            re.sub(r"<[^>]+>", " ", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", lines[rid])
        ]

    _, _, happened, step, owner, due, rolled = cells("KS-2026-0025")
    assert "2026-11-25 14:00 状态：临时措施 → 原因分析" in happened
    assert (step, owner, due) == ("回复最终报告", "王磊", "2026-11-13 15:40")
    assert rolled.startswith("已结转")
    # milestones and actions done this week, with the next open action and its owner
    _, _, happened, step, owner, _, rolled = cells("KS-2026-0029")
    assert "完成节点：驻厂FAE到现场验证" in happened and "完成措施 E1" in happened
    assert step.startswith("C1 ") and owner == "孙浩" and rolled == ""
    # a complaint with nothing this week says so
    assert cells("KS-2026-0011")[2] == "本周无进展"
