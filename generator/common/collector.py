"""Passes that build many long-lived objects, kept from re-walking what was alive before.

A full collection of the cyclic garbage collector walks every tracked object; with 10,000
loaded records that is about 0.4 s, and the compute stage (or parsing a cache shard) allocates
enough to trigger one or more of them while it adds only objects it keeps. Inside
``only_new_objects()`` the objects alive at its start are set aside (``gc.freeze``), so the
collections that run meanwhile look at new objects only; at its end they are put back
(``gc.unfreeze``) and the next full collection looks at them again. Nothing stays frozen: cyclic
garbage that existed before, or was made inside, is collected by the first full collection after
the block, so a long-lived process (``kesu serve``, a test run) keeps collecting as before.
Blocks nest: only the outermost one freezes and unfreezes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def only_new_objects() -> Iterator[None]:
    outermost = gc.get_freeze_count() == 0
    if outermost:
        gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()
