"""MkDocs hooks for what Kesu adds to the site (``kesu.py`` next to it only changes what the
engine spends on the same pages, never a byte of them).

- ``on_page_markdown``: a hand-written page shows a generated part, as ``site/index.md`` the
  dashboard (generator/site/mkdocs_include.py);
- ``on_post_build``: after the engine has built the site, the attachments are published into
  it; they never enter the docs folder (generator/site/attachments.py).
"""

from generator.site.attachments import on_post_build  # noqa: F401
from generator.site.mkdocs_include import on_page_markdown  # noqa: F401
