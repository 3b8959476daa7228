"""The compute stage keeps the collector from re-walking the loaded records, and leaves the
process collecting as before: cyclic garbage made before, inside or after the pass is reclaimed
(a long-lived process such as ``kesu serve`` must not keep it for good, as a bare
``gc.freeze`` would)."""

from __future__ import annotations

import gc
import weakref

import pytest

from generator.common import collector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle nobody holds: only the cyclic collector can free it."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_collections_inside_look_at_new_objects_only() -> None:
    before = _cycle()
    with collector.only_new_objects():
        inside = _cycle()
        gc.collect()
        assert before() is not None  # set aside: not walked during the pass
        assert inside() is None  # new garbage is still collected inside
    gc.collect()
    assert before() is None  # put back: collected after the pass


def test_an_exception_inside_puts_the_objects_back() -> None:
    before = _cycle()
    with pytest.raises(RuntimeError), collector.only_new_objects():
        raise RuntimeError("boom")
    gc.collect()
    assert before() is None


def test_nested_blocks_put_back_with_the_outer_one() -> None:
    before = _cycle()
    with collector.only_new_objects():
        with collector.only_new_objects():
            pass
        gc.collect()
        assert before() is not None  # the inner block did not put them back early
    gc.collect()
    assert before() is None
