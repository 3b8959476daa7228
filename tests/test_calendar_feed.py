"""Issue 18, point 6: calendar files Outlook and phones accept. Read back by a strict parser
(the ``ical`` package: pydantic models of RFC 5545, which refuse what the RFC does not allow)
and checked against RFC 5545's rules the parser does not enforce: every TZID defined by a
VTIMEZONE (3.6.5), CRLF lines of at most 75 octets (3.1), unique and stable UIDs (3.8.4.7),
DISPLAY alarms with a description (3.6.6)."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream

from generator.config.settings import load_config
from generator.render.ics import calendar_pages
from generator.site.build import compute_site
from tests.conftest import copy_demo

TZ = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=TZ)


@cache
def _pages(root: Path, as_of: datetime) -> dict[str, str | bytes]:
    config, diags = load_config(root)
    assert not diags
    site = compute_site(config, as_of, "zh", strict=True, out=io.StringIO())
    assert site is not None
    return {p.path: p.content for p in calendar_pages(site)}


def _feeds(root: Path, as_of: datetime = AS_OF) -> dict[str, bytes]:
    return {k: v for k, v in _pages(root, as_of).items() if isinstance(v, bytes)}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_demo(tmp_path_factory.mktemp("ics"))
    text = (root / "kesu.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "site:\n", "site:\n  url: https://quality.example.com/kesu\n  reminder_hours: 4\n"
    )
    (root / "kesu.yaml").write_text(text, encoding="utf-8")
    return root


def test_every_feed_passes_a_strict_parser_and_rfc_5545(served: Path) -> None:
    feeds = _feeds(served)
    assert "generated/calendar/all.ics" in feeds and len(feeds) > 2
    for path, data in feeds.items():
        text = data.decode("utf-8")
        cal = IcsCalendarStream.calendar_from_ics(text)  # raises on anything RFC 5545 refuses
        assert cal.events, path
        # 3.1: CRLF, 75 octets a line at most
        assert "\n" not in text.replace("\r\n", "")
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), path
        # 3.6.5: each TZID parameter is defined by a VTIMEZONE in the same file
        used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
        assert used == {"Asia/Shanghai"} and {tz.tz_id for tz in cal.timezones} == used
        uids = [e.uid for e in cal.events]
        assert len(uids) == len(set(uids)), path
        for ev in cal.events:
            assert ev.uid and re.fullmatch(r"KS-[0-9-]+\.[a-z0-9_]+@kesu", ev.uid)
            assert isinstance(ev.dtstart, datetime) and ev.dtstart.tzinfo is not None
            assert ev.url == (
                "https://quality.example.com/kesu/generated/records/"
                + ev.uid.split(".")[0]
                + ".html"
            )
            overdue = "(已超期)" in (ev.summary or "")
            if overdue:
                assert not ev.alarm
            else:
                (alarm,) = ev.alarm
                assert alarm.action == "DISPLAY" and alarm.description
                assert alarm.trigger == timedelta(hours=-4)


def test_uids_are_stable_across_builds(served: Path) -> None:
    first = _feeds(served)["generated/calendar/all.ics"]
    later = _feeds(served, AS_OF + timedelta(hours=1))["generated/calendar/all.ics"]
    uids = re.findall(rb"UID:(\S+)", first)
    assert uids == re.findall(rb"UID:(\S+)", later) and uids
    assert first != later  # DTSTAMP follows "as of"


def test_a_zip_site_has_no_url_but_names_the_page(tmp_path: Path) -> None:
    root = copy_demo(tmp_path)
    text = _feeds(root)["generated/calendar/all.ics"].decode("utf-8")
    cal = IcsCalendarStream.calendar_from_ics(text)
    assert all(ev.url is None for ev in cal.events)
    unfolded = text.replace("\r\n ", "")
    assert "8D: generated/records/KS-2026-0011.html" in unfolded
    # the default reminder is 24 hours before
    assert any(a.trigger == timedelta(hours=-24) for ev in cal.events for a in ev.alarm)


def test_calendar_page_explains_import_and_subscribe(served: Path, tmp_path: Path) -> None:
    def page(root: Path) -> str:
        out = _pages(root, AS_OF)["generated/calendar.md"]
        assert isinstance(out, str)
        return out

    zipped = page(copy_demo(tmp_path))
    assert "导入 iCalendar" in zipped and "不会自动更新" in zipped and "订阅地址" not in zipped
    online = page(served)
    assert "从 Internet" in online
    assert "<code>https://quality.example.com/kesu/generated/calendar/all.ics</code>" in online
