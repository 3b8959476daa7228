"""What ``kesu build`` itself adds to the built site, after any engine (issue 15).

The engine builds the docs folder; then, for MkDocs and Zensical alike:

1. the attachments the pages link are published into the site (``generator.site.attachments``:
   copied under safe names, each checked again; never part of the docs folder);
2. the files the engine stamps with the time of the build are made reproducible
   (``generator.site.reproducible``).

Both used to be (or would need) an MkDocs hook, which Zensical ignores.
"""

from __future__ import annotations

from pathlib import Path

from generator.load.attachments import FILES, AttachmentError
from generator.site import reproducible
from generator.site.attachments import publish, read_manifest


def after_engine(root: Path, docs_dir: Path, site_dir: Path) -> str | None:
    """Finish the site the engine built in ``site_dir``; why not, as a message, or ``None``."""
    if (docs_dir / FILES).exists():
        return (
            f"{docs_dir / FILES} 与附件的发布目录同名，请改名 / has the name of the "
            "folder attachments are published in: rename it"
        )
    try:
        publish(root, site_dir, read_manifest(docs_dir))
    except (AttachmentError, OSError) as exc:
        return str(exc)
    reproducible.engine_output(site_dir)
    return None
