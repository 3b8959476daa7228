"""Kesu: customer complaints and 8D problem solving as plain YAML files in Git."""

__version__ = "0.1.0.dev0"
