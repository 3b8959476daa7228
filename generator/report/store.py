"""Finished report files kept between builds, keyed by what they are made of.

A PDF is a function of its HTML (which holds every value, label and the revision), its
images, the stylesheet and the versions of WeasyPrint and the font: the key hashes the first
two, the folder's salt the rest. So ``kesu build`` lays out again only the reports whose
record (or profile, or wording) changed. The store lives in the repository's cache
(``generator.load.cachedir``: never through a link, never a cache Git tracks);
``KESU_REPORT_CACHE_DIR`` (an absolute folder) keeps it elsewhere, e.g. shared by the test
suite's builds of the same records.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from generator.load.cachedir import ENV_DIR, CacheDir, locate

ENV_REPORT_DIR = "KESU_REPORT_CACHE_DIR"
MAX_FILE = 64 << 20
_HERE = Path(__file__).resolve().parent
_SALTED = re.compile(r"report-[0-9a-f]{16}")


@cache
def salt() -> str:
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.blake2b(digest_size=8)
    for f in sorted([*_HERE.glob("*.py"), *(_HERE / "templates").glob("*")]):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    for dist in ("weasyprint", "pydyf", "openpyxl", "fonttools"):
        try:
            h.update(version(dist).encode())
        except PackageNotFoundError:
            h.update(dist.encode())
    for font in font_files():
        try:
            st = font.stat()
            h.update(f"{font}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            h.update(str(font).encode())
    h.update(sys.version.encode())
    h.update(native_versions().encode())
    return h.hexdigest()


def native_versions() -> str:
    """The versions of Pango and HarfBuzz (they shape and subset the text: a new one may
    place a glyph differently), read without importing WeasyPrint."""
    import ctypes

    found = []
    for lib, call in (
        ("libpango-1.0.so.0", "pango_version_string"),
        ("libharfbuzz.so.0", "hb_version_string"),
    ):
        try:
            fn = getattr(ctypes.CDLL(lib), call)
            fn.restype = ctypes.c_char_p
            found.append(f"{lib}={fn().decode()}")
        except (OSError, AttributeError, UnicodeDecodeError):
            found.append(f"{lib}=?")
    return " ".join(found)


def font_files() -> list[Path]:
    folder = Path("/usr/share/fonts/opentype/noto")
    return sorted(folder.glob("NotoSansCJK-*.ttc")) if folder.is_dir() else []


def key_of(kind: str, parts: Iterable[bytes]) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(kind.encode())
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return f"{h.hexdigest()}.{kind}"


class ReportStore:
    def __init__(self, root: Path) -> None:
        given = os.environ.get(ENV_REPORT_DIR, "")
        env = {**os.environ, ENV_DIR: given} if given else None
        found = locate(root, env)
        self.place: CacheDir | None = found if isinstance(found, CacheDir) else None
        self.folder = f"report-{salt()}"
        self._pruned = False

    def get(self, key: str) -> bytes | None:
        return self.place.read(self.folder, key, MAX_FILE) if self.place else None

    def put(self, key: str, data: bytes) -> None:
        if self.place is None:
            return
        if not self._pruned:
            self._pruned = True
            for old in self.place.folders("report-"):
                if old != self.folder and _SALTED.fullmatch(old):
                    self.place.remove(old)
        try:
            self.place.write(self.folder, key, data)
        except OSError:
            self.place = None  # a full disk or a read-only cache: the build goes on without
