"""MkDocs hook for ``kesu serve`` only: the attachments in the preview.

``kesu build`` publishes the attachments itself after either engine has built the site
(generator/site/steps.py); the site's content never depends on a hook, which Zensical ignores.
``mkdocs serve`` builds into a temporary folder Kesu does not see, so there this hook does it.
"""

from generator.site.attachments import on_post_build, on_startup  # noqa: F401
