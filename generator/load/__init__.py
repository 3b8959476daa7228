"""Stage 1: find record files and load them (hardened YAML, the parse cache)."""
