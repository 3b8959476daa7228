"""The one Jinja environment (autoescape on) and the helpers every template uses."""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from generator.common.textrules import is_one_clean_line
from generator.render import i18n, labels
from generator.render.escape import front_matter_title, html_text, mask_email, mask_phone
from generator.render.i18n import pick


def _finalize(value: object) -> object:
    """Every ``{{ … }}`` string as ``|text`` makes it: escaped, characters validation refuses
    replaced, line breaks as ``<br>`` (a bare line break could end the HTML block it is in,
    and what follows would be Markdown). Markup (macros, ``|text``, ``|fm_title``) is kept."""
    if isinstance(value, str) and not isinstance(value, Markup) and not is_one_clean_line(value):
        return html_text(value)
    return value


@cache
def environment() -> jinja2.Environment:
    """Built once per process: templates are compiled once and cached."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator.render", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # "{#id}" is Markdown's attr_list syntax for heading ids; Jinja comments use {## ##}.
        comment_start_string="{##",
        comment_end_string="##}",
    )
    env.filters["text"] = html_text
    # front_matter_title escapes its input itself, so its result is safe to mark as such.
    env.filters["fm_title"] = lambda v: Markup(front_matter_title(v))  # noqa: S704
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


_READABLE = re.compile(r"[^\W_][\w()（）-]{0,39}")
"""Letters (Chinese included), digits, ``_``, ``-`` and parentheses: safe as a file name and
a URL path segment on every system, so the name itself is the page's name."""


def slug(kind: str, name: str) -> str:
    """A file-name-safe, stable name for a customer, department or owner page: the name
    itself when it is made of letters and digits (``customer-华东汽车电子有限公司``), else a
    hash of it (names with spaces, slashes or punctuation)."""
    if _READABLE.fullmatch(name):
        return f"{kind}-{name}"
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]  # noqa: S324 - not security
    return f"{kind}-{digest}"


def page_url(from_page: str, to_page: str) -> str:
    """Relative link between two docs paths (``.md``), as the built ``.html`` file."""
    target = to_page[:-3] + ".html" if to_page.endswith(".md") else to_page
    base = posixpath.dirname(from_page) or "."
    return posixpath.relpath(target, base)


@cache
def _records_dir_from(from_page: str) -> str:
    """``generated/records/`` relative to the folder of ``from_page`` (``""`` inside it)."""
    rel = posixpath.relpath("generated/records", posixpath.dirname(from_page) or ".")
    return "" if rel == "." else rel + "/"


@dataclass(frozen=True, slots=True)
class Fmt:
    """Formatting for one page: language, zone, config switches and the page's own path."""

    lang: str
    tz: ZoneInfo
    page: str
    mask_contacts: bool = True
    defects: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Defect code → (Chinese, English) name (``site.defect_codes`` in ``kesu.yaml``)."""

    def t(self, key: str, **kw: object) -> str:
        return i18n.t(key, self.lang, **kw)

    def label(self, path: str) -> str:
        return labels.label(path, self.lang)

    def enum(self, path: str, value: object) -> str:
        return labels.enum_label(path, value, self.lang)

    def defect(self, code: str) -> str:
        """The defect code's name in the page's language, or "" when the config names none."""
        names = self.defects.get(code)
        return pick(names[0], names[1], self.lang) if names else ""

    def state(self, state: str) -> str:
        return i18n.state_label(state, self.lang)

    def url(self, to_page: str) -> str:
        return page_url(self.page, to_page)

    def record_url(self, record_id: str) -> str:
        # page_url(self.page, f"generated/records/{record_id}.md"), without a relpath per link
        # (record ids are file names: no "/" or "..").
        return f"{_records_dir_from(self.page)}{record_id}.html"

    def dt(self, value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(self.tz)
        if (local.hour, local.minute, local.second) == (23, 59, 59):
            return local.strftime("%Y-%m-%d")
        return local.strftime("%Y-%m-%d %H:%M")

    def date(self, value: datetime | date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return value.isoformat()

    def sort_key(self, value: datetime | None) -> str:
        return "" if value is None else value.astimezone(self.tz).strftime("%Y%m%d%H%M")

    def raw_date(self, value: object) -> str:
        """A date or date-time string from a record, shown as written (already validated)."""
        return "" if value is None else str(value)

    def duration(self, value: timedelta | None) -> str:
        if value is None:
            return ""
        hours = value.total_seconds() / 3600
        if hours < 48:
            return f"{hours:.1f} h" if self.lang == "en" else f"{hours:.1f} 小时"
        return f"{hours / 24:.1f} {i18n.t('days', self.lang)}"

    def late_seconds(self, due: datetime | None, now: datetime) -> int:
        return 0 if due is None else max(0, int((now - due).total_seconds()))

    def late_by(self, due: datetime | None, now: datetime) -> str:
        """How late: whole days from one day on, else hours (never "0 days" for 9 hours)."""
        secs = self.late_seconds(due, now)
        if secs >= 86400:
            return self.t("late_days", n=secs // 86400)
        return self.t("late_hours", n=max(1, secs // 3600) if secs else 0)

    def contact(self, kind: str, value: object) -> Markup:
        text = "" if value is None else str(value)
        if self.mask_contacts:
            text = mask_phone(text) if kind == "phone" else mask_email(text)
        return html_text(text)

    def pct(self, num: int, den: int) -> str:
        return "–" if den == 0 else f"{100 * num / den:.0f}%"

    def yesno(self, value: object) -> str:
        if value is None:
            return ""
        return i18n.t("yes" if value else "no", self.lang)
