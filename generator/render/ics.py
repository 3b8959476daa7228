"""Calendar feeds (.ics) of open deadlines: one for all, one per owner.

Engineers subscribe from Outlook or a phone (a served site) or import the files (a zip); each
open milestone is an event ending at its due time, in the configured zone with its
``VTIMEZONE`` (RFC 5545 3.6.5: every TZID a file uses is defined in it; icalendar's
``add_missing_timezones``), a ``VALARM`` reminder ``site.reminder_hours`` before (none for
what is already overdue), and the 8D page's link (``URL`` when ``site.url`` is set, and the
page's path in the description). UIDs are stable (record + milestone), and the stamp is the
build's "as of" instant, so an unchanged record set gives unchanged files.

Every text property is a ``vText``, which escapes ``\\ ; ,`` and line breaks (an ``X-`` property
added as a plain string is not escaped: a line break in an owner's name once failed every
build); characters that validation refuses are replaced first (``textrules.scrub``), and
``to_ical`` folds long lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote, urljoin

from icalendar import Alarm, Calendar, Event, vText

from generator.common.textrules import scrub
from generator.render.env import Fmt, render, slug
from generator.render.pages import GEN, Page, base_context, fmt
from generator.render.sitedata import Deadline, SiteData

PAGE = f"{GEN}/calendar.md"


def _text(value: str) -> vText:
    return vText(scrub(value))


def _calendar(name: str, items: Sequence[Deadline], site: SiteData, f: Fmt) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//kesu//complaint deadlines//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _text(name))
    cal.add("x-wr-timezone", _text(site.settings.timezone))
    cal.add("method", "PUBLISH")
    hours = site.settings.reminder_hours
    base = site.settings.site_url
    for d in items:
        row = site.by_id[d.record_id]
        due = d.due_at or site.as_of
        ev = Event()
        ev.add("uid", f"{d.record_id}.{d.id}@kesu")
        ev.add("dtstamp", site.as_of)
        ev.add("dtstart", due - timedelta(minutes=30))
        ev.add("dtend", due)
        state = f.state(d.state)
        ev.add("summary", _text(f"[{d.record_id}] {d.name} ({state})"))
        page = f"{GEN}/records/{d.record_id}.html"
        link = urljoin(base if base.endswith("/") else base + "/", page) if base else ""
        ev.add(
            "description",
            _text(
                "\n".join(
                    x
                    for x in (
                        row.title,
                        f"{f.label('customer')}: {row.customer}",
                        f"{f.t('owner')}: {row.owner}",
                        d.explanation,
                        f"8D: {link or page}",
                    )
                    if x
                )
            ),
        )
        if link:
            ev.add("url", link)
        if d.state != "overdue" and hours > 0:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _text(f"[{d.record_id}] {d.name}"))
            alarm.add("trigger", timedelta(hours=-hours))
            ev.add_component(alarm)
        cal.add_component(ev)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def calendar_pages(site: SiteData) -> list[Page]:
    f = fmt(site, PAGE)
    open_items = sorted(
        (
            d
            for r in site.rows
            if r.is_open
            for d in r.deadlines
            if d.is_open and d.due_at is not None
        ),
        key=lambda d: (d.due_at or site.as_of, d.record_id, d.id),
    )
    by_owner: dict[str, list[Deadline]] = defaultdict(list)
    for d in open_items:
        by_owner[site.by_id[d.record_id].owner or f.t("unassigned")].append(d)
    pages = [
        Page(
            f"{GEN}/calendar/all.ics",
            _calendar(f"{site.settings.site_title} · {f.t('all_feed')}", open_items, site, f),
        )
    ]
    feeds: list[tuple[str, str, int, datetime | None]] = []
    for owner in sorted(by_owner):
        path = f"{GEN}/calendar/{slug('owner', owner)}.ics"
        items = by_owner[owner]
        pages.append(Page(path, _calendar(f"{site.settings.site_title} · {owner}", items, site, f)))
        feeds.append((owner, path, len(items), items[0].due_at))
    base = site.settings.site_url or ""
    root = base if base.endswith("/") else base + "/"
    ctx = base_context(site, PAGE) | {
        "feeds": [
            (o, p, n, first, urljoin(root, quote(p)) if base else "") for o, p, n, first in feeds
        ],
        "all_url": urljoin(root, f"{GEN}/calendar/all.ics") if base else "",
        "reminder_hours": site.settings.reminder_hours,
        "all_count": len(open_items),
        "all_path": f"{GEN}/calendar/all.ics",
    }
    pages.append(Page(PAGE, render("calendar.md.j2", **ctx)))
    return pages
