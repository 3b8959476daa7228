"""Pausing Python's cyclic garbage collector for a pass that builds many long-lived objects.

Loading and checking 10,000 records creates millions of dicts, lists and strings that live
until the command ends. The cyclic collector does not free any of them (reference counting
does that), but each full collection walks all of them again: about 0.8 s of CPU in a
10,000-record ``kesu validate`` (docs/performance.md). The passes that pause it create no
reference cycles worth collecting early; whatever they do create is collected when the
collector is switched back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch the collector off for the ``with`` block; restore its previous state after,
    also on error (a caller that had it off keeps it off).

    Before switching it back on, everything alive is moved to the collector's permanent
    generation (``gc.freeze``): otherwise the first allocation after the block starts a full
    collection over all the records just loaded (0.4 s at 10,000 records) to find nothing.
    Frozen objects are still freed by reference counting when no longer used.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
