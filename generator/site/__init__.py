"""Building the site: the engines (MkDocs, Zensical), what Kesu adds for both, output, hooks."""
