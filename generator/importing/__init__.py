"""``kesu import``: an existing complaint ledger (客诉台账, .xlsx or .csv) into records marked
as imported history.

``mapfile`` (the map, validated by ``schema/import-map.schema.json``) → ``sheets`` (cells,
merged cells, the header) → ``dates`` and ``rows`` (one row → a draft, or its problems) →
``plan`` (ids, what is already imported, writing) → ``command`` (the CLI).
"""
