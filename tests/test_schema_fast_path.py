"""The fast schema pre-check (jsonschema-rs) and the authority (Python jsonschema) agree.

Validation runs the fast check first and asks Python ``jsonschema`` only about records the
fast check rejects. That is safe only if the fast check never accepts what the authority
rejects, so this differential test mutates real records field by field with awkward values
and compares both answers.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.validate.records import complaint_validator, fast_complaint_check
from tests.conftest import CASES, REPO, load_record

ODD: list[Any] = [
    "",
    " ",
    "x",
    "é中文",
    "2026-02-30",
    "2026-02-30 10:00",
    "2026-01-05T09:30+08:00",
    "2026-01-05 24:00",
    "2026-01-05 09:30Z",
    "2026-1-5",
    "2026-01-05",
    "2026-01-05 09:30:61",
    "KS-2026-0001",
    "ks-2026-0001",
    "a@b.c",
    "not an email",
    "138 0000 0000",
    "../x",
    "https://example.com/a b",
    0,
    -1,
    1.5,
    10**12,
    True,
    False,
    None,
    [],
    {},
    ["x"],
    {"x": 1},
    # text rules (generator/common/textrules.py), and "$" as the end of the text in both validators
    "x\n",
    "KS-2026-0001\n",
    "qe\n",
    "a\tb",
    "a\r\nb",
    "a\n\tb",
    "\x00",
    "a\u202eb",
    "a\u200bb",
    "\ufeffx",
    "x\u2028y",
    "2026-01-05\n",
    "a@b.c\n",
]


def _records() -> list[dict[str, Any]]:
    files = sorted((REPO / "records").glob("*.yaml")) + sorted(CASES.glob("valid/*/records/*.yaml"))
    return [load_record(f) for f in files]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


def _mutations(seed: int, count: int) -> Iterator[Any]:
    rng = random.Random(seed)
    records = _records()
    for _ in range(count):
        doc = copy.deepcopy(rng.choice(records))
        path = rng.choice(list(_leaves(doc))[1:])
        if rng.random() < 0.1 and isinstance(doc, dict):
            doc[rng.choice(["extra", "recieved_at", "grade"])] = rng.choice(ODD)
        else:
            doc = _set(doc, path, rng.choice(ODD))
        yield doc


def test_real_records_agree() -> None:
    authority, fast = complaint_validator(), fast_complaint_check()
    for doc in _records():
        assert fast(doc) == (not list(authority.iter_errors(doc)))


@pytest.mark.parametrize("seed", range(4))
def test_mutated_records_agree(seed: int) -> None:
    authority, fast = complaint_validator(), fast_complaint_check()
    for doc in _mutations(seed, 600):
        python_ok = not list(authority.iter_errors(doc))
        assert fast(doc) == python_ok, (python_ok, doc)


def test_fast_check_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid records never reach the slow validator (the point of the fast path)."""
    import generator.validate.records as v
    from generator.config.settings import RepoConfig
    from generator.pipeline import validate_settings

    calls: list[Any] = []
    real = v._schema_diagnostics

    def spy(lf: Any) -> Any:
        calls.append(lf.display)
        return real(lf)

    monkeypatch.setattr(v, "_schema_diagnostics", spy)  # no caches: every record is checked
    v.validate_repository(validate_settings(RepoConfig(root=REPO)))
    assert calls == []
