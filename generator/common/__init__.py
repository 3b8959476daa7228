"""Shared leaves every stage may use: diagnostics, ids, text rules, atomic writes, record types."""
