"""bench/recurrence.py: the seeded set and its figures (docs/recurrence.md quotes them)."""

from __future__ import annotations

import pytest

from bench import recurrence


def test_the_set_is_deterministic_and_seeds_every_kind() -> None:
    a, b = recurrence.generate(60, seed=3), recurrence.generate(60, seed=3)
    assert [r.data for r in a.records] == [r.data for r in b.records]
    assert a.twins == b.twins
    kinds = {k for ks in a.twins.values() for k in ks}
    assert kinds == set(recurrence.KINDS)


def test_default_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert recurrence.main([]) == 0
    out = capsys.readouterr().out
    # The figures docs/recurrence.md gives for the default set (seed 16, 300 problems).
    assert "| precision (suggestions that are a seeded pair) | 1.000 |" in out
    assert "| recall (seeded pairs suggested) | 0.908 |" in out
