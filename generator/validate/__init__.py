"""Stage 2: schema, cross-record and stage checks, as diagnostics."""
