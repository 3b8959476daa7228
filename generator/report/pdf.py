"""The customer's 8D as a PDF: the report data → HTML (Jinja, autoescaped) → WeasyPrint.

WeasyPrint lays out CSS paged media (A4, running headers from ``string-set``, ``第 x 页 /
共 y 页`` from ``counter(page)`` / ``counter(pages)``, table rows never split) and embeds the
subset of the CJK font it uses (Debian ``fonts-noto-cjk``), so the file reads the same
anywhere. Nothing is fetched: the fetcher serves only the photos this report shows, read
here through ``generator.load.attachments``' checks (no link, no hidden file, nothing outside the
repository, raster images only); any other URL in the document is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from generator.load import attachments
from generator.report.content import Cell, Report

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT_FAMILY = "Noto Sans CJK SC"
MAX_IMAGE_BYTES = 20 << 20
MAX_IMAGE_SIDE = 1800
"""Photos are scaled down to this many pixels on their longer side (about 300 dpi at the
width of an A4 page): readable, without a camera's 4000-pixel original in every report."""

WORDS: dict[str, tuple[str, str]] = {
    "record": ("编号", "No."),
    "customer": ("客户", "Customer"),
    "part_number": ("客户料号", "Part no."),
    "revision": ("修订", "Revision"),
    "none": ("（暂无）", "(none yet)"),
    "figure": ("图", "Figure"),
    "not_image": ("非图片附件，另附", "not an image; sent separately"),
    "role": ("角色", "Role"),
    "name": ("姓名", "Name"),
    "date": ("日期", "Date"),
    "signature": ("签字", "Signature"),
}
PAGES = {
    "zh": '"第 " counter(page) " 页 / 共 " counter(pages) " 页"',
    "en": '"Page " counter(page) " of " counter(pages)',
}


class ReportError(Exception):
    """The report cannot be written here (no CJK font): a bilingual message for the CLI."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["cell"] = _cell_html
    return env


def _cell_html(cell: Cell) -> Markup:
    if cell.numbered:
        items = Markup("").join(Markup("<li>{}</li>").format(line) for line in cell.lines)
        return Markup('<ol class="why">{}</ol>').format(items)
    return Markup("<br>").join(escape(line) for line in cell.lines)


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    data: bytes
    mime: str


def load_images(root: Path, report: Report) -> dict[str, Image]:
    """The photos ``report`` shows that can be shown: attachment path → image."""
    top = str(root.resolve())
    out: dict[str, Image] = {}
    for section in report.sections:
        for part in section.parts:
            for photo in part.photos:
                ref = photo.path
                if ref in out or attachments.inspect(top, ref)[0]:
                    continue
                if Path(ref).suffix.lower() not in attachments.IMAGES:
                    continue
                image = _read_image(root / ref)
                if image is not None:
                    digest = hashlib.blake2b(image[0], digest_size=8).hexdigest()
                    out[ref] = Image(f"kesu-image:{digest}", *image)
    return out


def _read_image(path: Path) -> tuple[bytes, str] | None:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        raw = path.read_bytes()
        with PILImage.open(io.BytesIO(raw)) as img:
            img.load()
            if max(img.size) <= MAX_IMAGE_SIDE and img.format in ("PNG", "JPEG"):
                return raw, f"image/{img.format.lower()}"
            img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            buf = io.BytesIO()
            if img.mode in ("RGBA", "LA", "P"):
                img.save(buf, "PNG", optimize=False)
                return buf.getvalue(), "image/png"
            img.convert("RGB").save(buf, "JPEG", quality=85)
            return buf.getvalue(), "image/jpeg"
    except (OSError, UnidentifiedImageError, ValueError, PILImage.DecompressionBombError):
        return None


def render_html(report: Report, images: Mapping[str, Image]) -> str:
    lang = "en" if report.lang == "en" else "zh"
    words = {k: v[lang == "en"] for k, v in WORDS.items()}
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            r=report,
            t=words,
            images={ref: img.url for ref, img in images.items()},
            created=report.revision_date,
        )
    )


def stylesheet(lang: str) -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return (
        css
        + f"@page {{ @bottom-center {{ content: {PAGES['en' if lang == 'en' else 'zh']}; }} }}\n"
    )


@cache
def check_font() -> None:
    """Refuse to write a PDF whose Chinese would come out as boxes (no CJK font here), or
    when WeasyPrint cannot load Pango; imported here, forked workers inherit it loaded."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # cffi could not open libpango / libharfbuzz
        raise ReportError(
            f"WeasyPrint 无法加载 Pango（{exc}）：请安装 Debian 软件包 libpango-1.0-0 "
            "libpangoft2-1.0-0 libharfbuzz-subset0（bash .ci/debian-deps）",
            f"WeasyPrint cannot load Pango ({exc}): install the Debian packages "
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (bash .ci/debian-deps)",
        ) from exc
    fc = shutil.which("fc-list")
    if fc is None:
        return  # WeasyPrint needs fontconfig anyway; its own error names it
    out = subprocess.run(
        [fc, f":family={FONT_FAMILY}", "family"], capture_output=True, text=True, check=False
    ).stdout
    if not out.strip():
        raise ReportError(
            f"找不到中文字体 {FONT_FAMILY}：请安装 Debian 软件包 fonts-noto-cjk"
            "（sudo apt-get install fonts-noto-cjk）",
            f"the CJK font {FONT_FAMILY} is not installed: install the Debian package "
            "fonts-noto-cjk (sudo apt-get install fonts-noto-cjk)",
        )


class Typesetter:
    """What WeasyPrint lets one process keep from one report to the next: the Fontconfig /
    Pango font map (``FontConfiguration``, with its caches of line struts and font features)
    and the stylesheet, parsed once per language. ``kesu build`` lays out all the reports a
    worker gets with one of these; the bytes are the same as with a fresh one (a test
    compares), so a report laid out in a batch equals ``kesu report``'s."""

    def __init__(self) -> None:
        import logging

        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        self.fonts = FontConfiguration()
        self._css: dict[str, Any] = {}

    def css(self, lang: str) -> Any:
        if lang not in self._css:
            from weasyprint import CSS

            self._css[lang] = CSS(
                string=stylesheet(lang), url_fetcher=_fetcher({}), font_config=self.fonts
            )
        return self._css[lang]

    def write(self, html: str, lang: str, images: Mapping[str, Image]) -> bytes:
        from weasyprint import HTML

        doc = HTML(string=html, base_url="kesu-report:/", url_fetcher=_fetcher(images))
        pdf: bytes = doc.write_pdf(
            stylesheets=[self.css(lang)], font_config=self.fonts, uncompressed_pdf=False
        )
        return pdf


def _fetcher(images: Mapping[str, Image]) -> Any:
    """Serves the photos of one report, refuses every other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    served = {img.url: img for img in images.values()}

    class Fetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            image = served.get(url)
            if image is None:
                raise ValueError(f"kesu report: refused to fetch {url[:80]!r}")
            return URLFetcherResponse(url, image.data, {"Content-Type": image.mime})

    return Fetcher()


_TYPESETTERS: dict[int, Typesetter] = {}


def typesetter() -> Typesetter:
    """This process's typesetter (a forked worker makes its own: Fontconfig state is not
    shared across a fork)."""
    pid = os.getpid()
    if pid not in _TYPESETTERS:
        _TYPESETTERS.clear()
        _TYPESETTERS[pid] = Typesetter()
    return _TYPESETTERS[pid]


def write_pdf(html: str, lang: str, images: Mapping[str, Image]) -> bytes:
    """The PDF of ``html``; deterministic for the same input (no clock, no random id)."""
    check_font()
    return typesetter().write(html, lang, images)
