"""The site's inputs to the stalled list and the weekly agenda (``generator.compute``):
rows and Git history in, facts out; the templates word them."""

from __future__ import annotations

from datetime import datetime

from generator.compute.agenda import Item, Move, actions, agenda_item
from generator.compute.stalled import Stalled, StallInput, find_stalled, last_change
from generator.render.sitedata import Row, SiteData


def stalled_at(site: SiteData, when: datetime) -> list[Stalled]:
    """Records open at ``when`` with no open milestone due and no change for the configured
    number of days (``site.stalled_days``, per status ``site.stalled_days_by_status``)."""
    items = [
        StallInput(
            r.id,
            r.status,
            any(d.open_at(when) for d in r.deadlines),
            last_change(
                r.record.data, (rev.date for rev in site.history.get(r.id, ())), when, site.tz
            ),
        )
        for r in site.rows
        if r.open_at(when)
    ]
    cfg = site.settings
    return find_stalled(items, when, cfg.stalled_days, cfg.stalled_days_by_status)


def agenda(site: SiteData, rows: list[Row], week_start: datetime, cut: datetime) -> list[Item]:
    """The weekly meeting's agenda lines for ``rows`` (the records open at ``cut``)."""
    out = []
    for r in rows:
        moves = [Move(m.date, m.before, m.after) for m in site.moves.get(r.id, ())]
        acts = actions(r.record.data, site.tz)
        out.append(agenda_item(r.id, r.deadlines, acts, moves, week_start, cut, r.received_at))
    return out
