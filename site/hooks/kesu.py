"""MkDocs hooks for Kesu's generated pages: see generator/site/mkdocs_hook.py and
generator/site/mkdocs_search.py. They change what MkDocs spends, never a byte of the site.

Listed under ``hooks:`` in mkdocs.yml; kept here, next to the overrides, so that a copy of
``site/`` carries it. The bare-MkDocs floor of the benchmark (bench/run.py) runs without it.
"""

from generator.site.mkdocs_hook import (  # noqa: F401
    on_page_content,
    on_page_context,
    on_page_markdown,
    on_post_page,
    on_pre_build,
)
from generator.site.mkdocs_incremental import (  # noqa: F401
    on_files,
    on_nav,
    on_post_build,
    on_startup,
)
from generator.site.mkdocs_search import on_config  # noqa: F401
