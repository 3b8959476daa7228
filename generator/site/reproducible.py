"""Byte-reproducible output: no build time inside files (issue 15).

Two builds of the same commit with the same ``--as-of`` give the same bytes, in any folder, at
any time. Kesu's own files take every time from the records, ``as_of`` or the declared build
stamp; what is left is fixed here:

- ``.xlsx`` (a zip): openpyxl stamps every member with the time of writing; the members are
  rewritten with the workbook's own date (``zip_at``);
- ``sitemap.xml.gz`` (MkDocs): the gzip header carries a time; it is set to 0.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import datetime
from pathlib import Path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip member can carry."""


def zip_at(data: bytes, when: datetime | None = None) -> bytes:
    """``data`` (a zip) with every member dated ``when`` (its wall-clock time) or 1980-01-01.

    Order, names, compression and contents stay as they are; only the dates and the
    per-member "extra" fields (which may hold other times) are fixed.
    """
    stamp = ZIP_EPOCH if when is None else when.timetuple()[:6]
    if stamp < ZIP_EPOCH:
        stamp = ZIP_EPOCH
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def gzip_without_time(path: Path) -> None:
    """Rewrite the gzip file ``path`` with a zero time and no file name in its header."""
    data = gzip.decompress(path.read_bytes())
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    fixed = buf.getvalue()
    if fixed != path.read_bytes():
        path.write_bytes(fixed)


def engine_output(site_dir: Path) -> None:
    """Fix the files the engine stamped with the build's time."""
    sitemap = site_dir / "sitemap.xml.gz"
    if sitemap.is_file():
        gzip_without_time(sitemap)
