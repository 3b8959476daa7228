"""Changes in Git: the base revision, change rules, kesu check, late entries, reviews, kesu new."""
