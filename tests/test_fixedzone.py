"""Since when a zone keeps one offset (generator.fixedzone), and the shortcuts built on it.

Every zone this machine knows is checked against zoneinfo itself. Where the module says a
zone keeps one offset, wall arithmetic and timestamps must give exactly what going
through UTC gives: the same instant, the same wall time and fold, and the same float.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator import fixedzone
from generator.fixedzone import fixed
from generator.workcal import WorkCalendar, load_official_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _same(a: datetime, b: datetime) -> bool:
    return (a.isoformat(), a.fold, a.tzinfo) == (b.isoformat(), b.fold, b.tzinfo)


def test_shanghai_keeps_utc_plus_8_since_1991_and_berlin_never() -> None:
    f = fixed(SHANGHAI)
    assert f is not None and f.offset == timedelta(hours=8)
    # China's daylight saving time ended on 1991-09-15 (02:00 back to 01:00); two days on
    assert date(1991, 9, 15) < f.since.date() <= date(1991, 9, 18)
    assert f.since.tzinfo is SHANGHAI
    for at in (datetime(1988, 6, 1, 12, 0, tzinfo=SHANGHAI),  # daylight saving time then
               datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),  # another zone
               datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)):  # the shortcut
        assert f.stamp(at) == at.timestamp()
    for key in ("Europe/Berlin", "America/New_York", "Australia/Sydney"):
        assert fixed(ZoneInfo(key)) is None


def test_every_zone_agrees_with_zoneinfo_where_it_is_called_fixed() -> None:
    """All zones on this machine: timestamps, hours and days added as wall arithmetic equal
    the conversions through UTC, at random times after ``since`` up to 2200."""
    found = 0
    for key in sorted(zoneinfo.available_timezones()):
        tz = ZoneInfo(key)
        f = fixed(tz)
        if f is None:
            continue
        found += 1
        rnd = random.Random(key)
        for _ in range(40):
            at = f.since + timedelta(seconds=rnd.randrange(0, 200 * 365 * 86400),
                                     microseconds=rnd.randrange(10**6))
            at = datetime.combine(at.date(), at.time(), tz)
            assert f.timestamp(at) == at.timestamp(), (key, at)
            assert at.utcoffset() == at.replace(fold=1).utcoffset() == f.offset, (key, at)
            step = timedelta(hours=rnd.choice([0.25, 4, 24, 72.5]))
            assert _same(at + step, (at.astimezone(UTC) + step).astimezone(tz)), (key, at)
    assert found > 100  # most of the world keeps one offset (UTC, Asia/*, Africa/*, …)


def test_zones_it_cannot_read_take_the_general_path(tmp_path: Path) -> None:
    data = fixedzone._tzif("Asia/Shanghai")
    assert data is not None
    zone_file = tmp_path / "zone"
    zone_file.write_bytes(data)
    with zone_file.open("rb") as fh:
        assert fixed(ZoneInfo.from_file(fh)) is None  # no key: nothing to look up
    assert data is not None and fixedzone._last_transition(data) is not None
    assert fixedzone._last_transition(b"TZif1" + bytes(100)) is None  # version 1 only
    assert fixedzone._last_transition(b"not a zone file") is None
    assert fixedzone._last_transition(data[:60]) is None  # cut short
    with_leap = bytearray(data)  # the second (64-bit) header says it has a leap second
    second = data.index(b"TZif", 4)
    with_leap[second + 28:second + 32] = (1).to_bytes(4, "big")
    assert fixedzone._last_transition(bytes(with_leap)) is None
    shifted = bytearray(data)  # the first header's counts wrong: the second is not found
    shifted[28:32] = (1).to_bytes(4, "big")
    assert fixedzone._last_transition(bytes(shifted)) is None
    assert fixedzone._tzif("../etc/passwd") is None and fixedzone._tzif("/etc/passwd") is None
    for rule, simple in (("CST-8", True), ("<+08>-8", True), ("IST-5:30", True),
                         ("UTC0", True), ("CET-1CEST,M3.5.0,M10.5.0/3", False), ("", False),
                         ("EST5EDT", False)):
        assert bool(fixedzone._STD_ONLY.match(rule)) is simple, rule


def _fixed_reading(monkeypatch: pytest.MonkeyPatch, key: str, data: bytes) -> object:
    """``fixed(ZoneInfo(key))`` when its zone file reads as ``data``."""
    monkeypatch.setattr(fixedzone, "_tzif", lambda _: data)
    fixedzone.fixed.cache_clear()
    try:
        return fixed(ZoneInfo(key))
    finally:
        fixedzone.fixed.cache_clear()


def test_a_rule_with_daylight_saving_after_the_last_transition_is_not_fixed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = fixedzone._tzif("Asia/Shanghai")
    assert data is not None
    dst = data.replace(b"\nCST-8\n", b"\nCST-8CDT,M4.2.0,M9.2.0\n")
    assert _fixed_reading(monkeypatch, "Asia/Shanghai", dst) is None


def test_a_zone_zoneinfo_reads_differently_is_not_trusted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The file read says one offset, zoneinfo another (another tzdata): no shortcut."""
    tokyo = fixedzone._tzif("Asia/Tokyo")
    assert tokyo is not None
    assert _fixed_reading(monkeypatch, "Asia/Kolkata", tokyo) is None


@pytest.mark.parametrize(("start", "amount", "unit"), [
    ("1988-04-09T22:30:00", 4, "hours"),  # China's DST began 1988-04-10 02:00: general path
    ("1991-09-14T23:30:00", 4, "hours"),  # and ended 1991-09-15
    ("1988-04-09T10:00:00", 1, "natural_days"),
    ("2026-02-16T10:00:00", 72, "hours"),  # the fast path
    ("2026-02-16T10:00:00", 60, "natural_days"),
])
def test_calendar_adds_the_same_on_both_paths(start: str, amount: int, unit: str) -> None:
    cal = WorkCalendar(load_official_calendar(), SHANGHAI)
    at = datetime.fromisoformat(start).replace(tzinfo=SHANGHAI)
    got = cal.add(at, amount, unit).at
    if unit == "hours":
        want = (at.astimezone(UTC) + timedelta(hours=amount)).astimezone(SHANGHAI)
    else:
        want = datetime.combine(at.date() + timedelta(days=amount), at.time(), SHANGHAI
                                ).astimezone(UTC).astimezone(SHANGHAI)
    assert _same(got, want)
    if start.startswith("1988"):  # the clock jumped: wall arithmetic would be an hour off
        f = fixed(SHANGHAI)
        assert f is not None and at < f.since


@pytest.mark.parametrize("preset", ["000", "002", "003"])
def test_the_demo_export_is_the_same_without_the_shortcut(
        preset: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
) -> None:
    """The golden exports (Asia/Shanghai) come out the same with the shortcut switched off,
    and with it on it is really taken."""
    import shutil

    from generator import compute, grading, workcal
    from generator.cli import main
    from tests.conftest import REPO
    from tests.test_export_golden import AS_OF, GOLDEN

    for name in ("records", "attachments"):  # outside Git, as the golden test runs it
        shutil.copytree(REPO / name, tmp_path / name)
    args = ["-C", str(tmp_path), "--preset", preset, "export", "--as-of", AS_OF]
    calls: list[datetime] = []
    real = fixedzone.Fixed.timestamp

    def counted(self: fixedzone.Fixed, at: datetime) -> float:
        calls.append(at)
        return real(self, at)
    monkeypatch.setattr(fixedzone.Fixed, "timestamp", counted)
    assert main(args) == 0
    on = capsys.readouterr().out
    assert calls
    for module in (compute, grading, workcal):
        monkeypatch.setattr(module, "fixed", lambda tz: None)
    assert main(args) == 0
    off = capsys.readouterr().out
    assert on == off == (GOLDEN / f"preset-{preset}.json").read_text(encoding="utf-8")
