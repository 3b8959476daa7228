"""Building the site: the MkDocs run, incremental builds, the output folder, attachments, hooks."""
