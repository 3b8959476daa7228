"""Tests for generator.load.yamlload: data-driven cases, edge cases, fuzzing and ``locate``.

Each folder in tests/cases/yaml/ holds ``input.yaml`` (or ``input.bin`` for raw bytes) and
``expected.json``: either ``{"ok": true, "data": ...}`` or the one expected diagnostic
(``code``, ``line``, ``column``, ``message_contains_zh``/``_en``, optional ``field``,
``hint_contains_zh``/``_en`` and ``max_bytes``).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.load import yamlload
from generator.load.yamlload import (
    MAX_BYTES,
    MAX_DEPTH,
    KesuLoader,
    Loaded,
    YamlProblem,
    load_yaml_bytes,
    load_yaml_file,
    locate,
)

CASES = Path(__file__).parent / "cases" / "yaml"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())


def _input(case: Path) -> Path:
    return case / "input.yaml" if (case / "input.yaml").exists() else case / "input.bin"


def _check(loaded: Loaded, expected: dict[str, Any]) -> None:
    if expected.get("ok"):
        assert loaded.diagnostics == []
        assert loaded.data == expected["data"]
        return
    assert loaded.data is None
    assert len(loaded.diagnostics) == 1, loaded.diagnostics
    diag = loaded.diagnostics[0]
    assert diag.code == expected["code"], diag
    assert (diag.line, diag.column) == (expected["line"], expected["column"]), diag
    assert expected["message_contains_zh"] in diag.message_zh
    assert expected["message_contains_en"] in diag.message_en
    assert diag.message_zh != diag.message_en
    if "field" in expected:
        assert diag.field == expected["field"], diag
    assert expected.get("hint_contains_zh", "") in diag.hint_zh, diag
    assert expected.get("hint_contains_en", "") in diag.hint_en, diag


def test_cases_exist() -> None:
    assert len(CASE_DIRS) > 40
    for case in CASE_DIRS:
        assert (case / "expected.json").is_file(), case
        assert _input(case).is_file(), case


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: p.name)
def test_case_bytes(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    raw = _input(case).read_bytes()
    max_bytes = expected.get("max_bytes", MAX_BYTES)
    loaded = load_yaml_bytes(raw, f"records/{case.name}.yaml", max_bytes=max_bytes)
    _check(loaded, expected)
    assert all(d.file == f"records/{case.name}.yaml" for d in loaded.diagnostics)


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: p.name)
def test_case_file(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    loaded = load_yaml_file(_input(case), "x.yaml", max_bytes=expected.get("max_bytes", MAX_BYTES))
    _check(loaded, expected)


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: p.name)
def test_case_pure_python_fallback(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # PyYAML without libyaml falls back to SafeLoader: same events, so the same results
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    raw, max_bytes = _input(case).read_bytes(), expected.get("max_bytes", MAX_BYTES)
    with_c = load_yaml_bytes(raw, "x.yaml", max_bytes=max_bytes)
    monkeypatch.setattr(yamlload, "KesuLoader", yaml.SafeLoader)
    pure = load_yaml_bytes(raw, "x.yaml", max_bytes=max_bytes)
    assert pure.data == with_c.data
    assert [(d.code, d.line) for d in pure.diagnostics] == [
        (d.code, d.line) for d in with_c.diagnostics
    ]


# --- scalar resolution -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("yes", "yes"),
        ("no", "no"),
        ("NO", "NO"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("tRUE", "tRUE"),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        ("nULL", "nULL"),
        ("12", 12),
        ("-12", -12),
        ("+12", 12),
        ("0", 0),
        ("0012", "0012"),
        ("-0012", "-0012"),
        ("00", "00"),
        ("0o17", 15),
        ("0x1F", 31),
        ("0x1f", 31),
        ("0b101", "0b101"),
        ("017", "017"),
        ("1_000", "1_000"),
        ("14:30", "14:30"),
        ("1:30:00", "1:30:00"),
        ("190:20:30", "190:20:30"),
        ("2026-02-30", "2026-02-30"),
        ("2026-02-03 14:30:00", "2026-02-03 14:30:00"),
        ("1.5", 1.5),
        ("-1.5", -1.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("0.5", 0.5),
        ("007.5", "007.5"),
        ("1,000", "1,000"),
        ("1.2.3", "1.2.3"),
        ("=", "="),
        ("<<", "<<"),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("+.INF", math.inf),
        ("0x", "0x"),
        ("13800138000", 13800138000),
        ("0xZZ", "0xZZ"),
        ("a-b", "a-b"),
    ],
)
def test_plain_scalar(text: str, value: Any) -> None:
    loaded = load_yaml_bytes(f"v: {text}\n".encode(), "t.yaml")
    assert loaded.diagnostics == []
    assert loaded.data == {"v": value}
    assert type(loaded.data["v"]) is type(value)


def test_nan_and_quoted_scalars() -> None:
    data = load_yaml_bytes(b"a: .nan\nb: '0012'\nc: \"true\"\nd: |\n  12\n", "t.yaml").data
    assert data is not None
    assert math.isnan(data["a"])
    assert (data["b"], data["c"], data["d"]) == ("0012", "true", "12\n")


def test_huge_integer_stays_text() -> None:
    digits = "9" * 5000  # beyond Python's int-from-string digit limit
    assert load_yaml_bytes(f"v: {digits}\n".encode(), "t.yaml").data == {"v": digits}


def test_no_date_objects_anywhere() -> None:
    text = b"a: 2026-02-01\nb: 2026-02-01T10:00:00Z\nc: [2026-01-01]\nd: {e: 2001-12-14 21:59:43.1}"
    data = load_yaml_bytes(text, "t.yaml").data
    assert data == {
        "a": "2026-02-01",
        "b": "2026-02-01T10:00:00Z",
        "c": ["2026-01-01"],
        "d": {"e": "2001-12-14 21:59:43.1"},
    }


def test_kesu_loader_with_yaml_load() -> None:
    assert yaml.load("a: 0012\nb: on\n", Loader=KesuLoader) == {"a": "0012", "b": "on"}
    with pytest.raises(YamlProblem) as info:
        yaml.load("a: 1\na: 2\n", Loader=KesuLoader)
    assert isinstance(info.value, yaml.YAMLError)
    assert info.value.code == "yaml-duplicate-key"


def test_kesu_loader_resolver_matches_loader() -> None:
    node = yaml.compose("a: 0012\nb: 12\nc: on\nd: true\ne: 1.5\nf: ~\n", Loader=KesuLoader)
    assert node is not None
    assert [v.tag.rsplit(":", 1)[1] for _, v in node.value] == [
        "str",
        "int",
        "str",
        "bool",
        "float",
        "null",
    ]


# --- hostile input: aliases and depth (how long they take: python -m bench.guards) ----------


def test_billion_laughs_is_refused_at_its_first_anchor() -> None:
    """Refused at the first ``&a``, before any alias: nothing is composed, let alone expanded
    (the nine levels would be 387 million items)."""
    raw = _input(CASES / "billion-laughs").read_bytes()
    assert len(raw) < 400
    loaded = load_yaml_bytes(raw, "lol.yaml")
    assert loaded.data is None
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [("yaml-alias", 1, 4)]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * MAX_BYTES,
        b"{a: " * (MAX_BYTES // 4),
        b"- " * (MAX_BYTES // 2),
        b"[" * 500_000 + b"]" * 500_000,
        b"".join(b" " * i + b"-\n" for i in range(1400)),
    ],
    ids=["open-brackets", "open-braces", "compact-seq", "closed-brackets", "indented-seq"],
)
def test_maximum_size_nesting_does_not_crash(raw: bytes) -> None:
    # libyaml's own composer segfaults on 100,000 levels (which would end the test process);
    # this must answer with the depth limit
    loaded = load_yaml_bytes(raw, "deep.yaml")
    assert loaded.data is None
    assert [d.code for d in loaded.diagnostics] == ["yaml-too-deep"]


def test_depth_limit_is_exact() -> None:
    ok = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert load_yaml_bytes(ok.encode(), "t.yaml").diagnostics == []
    too_deep = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml_bytes(too_deep.encode(), "t.yaml").diagnostics[0].code == "yaml-too-deep"


def test_oversize_is_not_parsed() -> None:
    raw = b"title: [" + b"x" * 2000  # would be a syntax error if it were parsed
    loaded = load_yaml_bytes(raw, "t.yaml", max_bytes=1000)
    assert [d.code for d in loaded.diagnostics] == ["file-too-large"]
    assert loaded.text is None
    assert load_yaml_bytes(b"a: 1\n", "t.yaml", max_bytes=5).data == {"a": 1}


def test_text_is_returned_for_locate() -> None:
    loaded = load_yaml_bytes(b"\xef\xbb\xbfa: 1\na: 2\n", "t.yaml")
    assert loaded.text == "a: 1\na: 2\n"
    assert load_yaml_bytes("a: 温度".encode("gbk"), "t.yaml").text is None


# --- files --------------------------------------------------------------------------------


_CHILD = """
import json, sys
from pathlib import Path
from generator.load.yamlload import load_yaml_file
loaded = load_yaml_file(Path(sys.argv[1]))
print(json.dumps([[d.code, d.message_zh, d.message_en] for d in loaded.diagnostics]))
"""


def _load_in_child(path: Path) -> list[list[str]]:
    """``load_yaml_file(path)``'s diagnostics, from a child process: a blocking open or an
    endless read (a missing guard) hangs the child, which is killed after a minute and fails
    the test, instead of hanging the suite. A working guard answers at once."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_yaml_file({path}) did not return: it blocks on the file")
    assert proc.returncode == 0, proc.stderr
    found: list[list[str]] = json.loads(proc.stdout)
    return found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    # opening a FIFO with no writer blocks forever; the loader must not open it
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    [(code, zh, en)] = _load_in_child(fifo)
    assert code == "file-not-regular"
    assert "FIFO" in en
    assert "命名管道" in zh


def test_directory_is_refused(tmp_path: Path) -> None:
    loaded = load_yaml_file(tmp_path, "records/dir.yaml")
    assert loaded.data is None
    assert [d.code for d in loaded.diagnostics] == ["file-not-regular"]
    assert loaded.diagnostics[0].file == "records/dir.yaml"
    assert "directory" in loaded.diagnostics[0].message_en


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_is_refused() -> None:
    [(code, _, en)] = _load_in_child(Path("/dev/zero"))
    assert code == "file-not-regular"
    assert "device" in en


def test_missing_file(tmp_path: Path) -> None:
    loaded = load_yaml_file(tmp_path / "nope.yaml")
    assert [d.code for d in loaded.diagnostics] == ["file-unreadable"]
    assert loaded.diagnostics[0].file == (tmp_path / "nope.yaml").as_posix()


def test_symlinks(tmp_path: Path) -> None:
    records = tmp_path / "records"
    (records / "sub").mkdir(parents=True)
    (tmp_path / "secret.yaml").write_text("token: x\n", encoding="utf-8")
    (records / "sub" / "real.yaml").write_text("title: ok\n", encoding="utf-8")
    try:
        (records / "out.yaml").symlink_to(tmp_path / "secret.yaml")
        (records / "in.yaml").symlink_to(records / "sub" / "real.yaml")
    except OSError:  # pragma: no cover - e.g. Windows without the privilege
        pytest.skip("cannot create symlinks")
    outside = load_yaml_file(records / "out.yaml")
    assert [d.code for d in outside.diagnostics] == ["file-outside-root"]
    assert load_yaml_file(records / "in.yaml").data == {"title": "ok"}
    assert load_yaml_file(records / "out.yaml", root=tmp_path).data == {"token": "x"}
    in_sub = load_yaml_file(records / "sub" / "real.yaml", root=records / "sub")
    assert in_sub.data == {"title": "ok"}


def test_reads_at_most_max_bytes_plus_one(tmp_path: Path, monkeypatch: Any) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * 100_000)
    requested: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        requested.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", counting_read)
    loaded = load_yaml_file(big, max_bytes=1000)
    assert [d.code for d in loaded.diagnostics] == ["file-too-large"]
    assert sum(requested) <= 1001


# --- locate -------------------------------------------------------------------------------

RECORD = """\
id: KS-1
title: 显示异常
tags: [温度, 显示]
d4:
  occurrence:
    - why: 时序余量不足
      owner: 张三
    - why: "晶振更换"
  escape: []
"quoted key": 1
empty:
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ([], (1, 1)),
        (["id"], (1, 5)),
        (["title"], (2, 8)),
        (["tags"], (3, 7)),
        (["tags", 1], (3, 12)),
        (["d4"], (5, 3)),
        (["d4", "occurrence"], (6, 5)),
        (["d4", "occurrence", 0], (6, 7)),
        (["d4", "occurrence", 0, "owner"], (7, 14)),
        (["d4", "occurrence", 1, "why"], (8, 12)),
        (["d4", "escape"], (9, 11)),
        (["quoted key"], (10, 15)),
        # missing keys and indexes: the nearest existing ancestor (the parent mapping)
        (["d4", "containment"], (5, 3)),
        (["d4", "occurrence", 0, "due"], (6, 7)),
        (["d4", "occurrence", 5], (6, 5)),
        (["d4", "escape", 0, "why"], (9, 11)),
        (["nope", "deeper"], (1, 1)),
        (["title", "sub"], (2, 8)),
        ([0], (1, 1)),
    ],
)
def test_locate(path: list[str | int], where: tuple[int, int]) -> None:
    assert locate(RECORD, path) == where


def test_locate_empty_value_and_keys_are_not_values() -> None:
    line, _ = locate(RECORD, ["empty"]) or (0, 0)
    assert line in (11, 12)
    # a key's own text never matches as a value path
    assert locate("a:\n  b: 1\n", ["a", "b"]) == (2, 6)


def test_locate_tolerates_broken_and_hostile_text() -> None:
    assert locate("a: 1\nb: [1, 2\n", ["a"]) == (1, 4)
    assert locate("", ["a"]) is None
    assert locate("[" * 200_000, [0, 0]) == (1, 3)
    assert locate("a: &x [1]\nb: *x\n", ["b"]) == (2, 4)
    assert locate("? [a]\n: 1\nc: 2\n", ["c"]) == (3, 4)


def test_locate_matches_duplicate_key_first() -> None:
    loaded = load_yaml_bytes(b"a: 1\nb:\n  c: 2\n", "t.yaml")
    assert loaded.text is not None
    assert locate(loaded.text, ["b", "c"]) == (3, 6)


# --- fuzzing ------------------------------------------------------------------------------

VALID = _input(CASES / "valid-core-schema").read_bytes()
# deadline=None: no wall-clock limit in a test (python -m bench.guards times the loader)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_contract(loaded: Loaded) -> None:
    assert isinstance(loaded, Loaded)
    if loaded.data is None:
        assert loaded.diagnostics
    else:
        assert loaded.diagnostics == []
        assert isinstance(loaded.data, dict)
        _assert_plain(loaded.data, 0)
    for diag in loaded.diagnostics:
        assert diag.code != "yaml-internal", diag
        assert diag.message_zh and diag.message_en
        assert diag.line is None or diag.line >= 1
        assert diag.column is None or diag.column >= 1


def _assert_plain(value: Any, depth: int) -> None:
    """Only JSON-like types come out: no dates, sets, bytes or arbitrary objects."""
    assert depth <= MAX_DEPTH
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            _assert_plain(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _assert_plain(item, depth + 1)
    else:
        assert value is None or type(value) in (str, int, float, bool)


def _load(raw: bytes) -> Loaded:
    return load_yaml_bytes(raw, "fuzz.yaml")


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(raw: bytes) -> None:
    _assert_contract(_load(raw))


@FUZZ
@given(
    st.text(alphabet=st.sampled_from(list(":-[]{},&*!|>'\"#%@`?\t\n\r ab01.~温\\")), max_size=300)
)
def test_fuzz_yaml_punctuation(text: str) -> None:
    _assert_contract(_load(text.encode("utf-8")))


_PIECES = [
    *(p.encode() for p in (":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!t ", "\t")),
    *(p.encode() for p in ("\n", "  ", "'", '"', "#", "|", ">", "---\n", "0012", "yes", "? ")),
    b"!!python/x ",
    b"\x00",
    b"\xff",
    b"\xe6\xb8",
    b"%YAML 1.1\n",
    b"\\",
    b"\r\n",
    b"\xef\xbb\xbf",
]


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(VALID)),
            st.sampled_from(["insert", "delete", "replace"]),
            st.one_of(st.sampled_from(_PIECES), st.binary(min_size=1, max_size=4)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fuzz_mutated_record(edits: list[tuple[int, str, bytes]]) -> None:
    raw = VALID
    for pos, op, piece in edits:
        pos = min(pos, len(raw))
        if op == "insert":
            raw = raw[:pos] + piece + raw[pos:]
        elif op == "delete":
            raw = raw[:pos] + raw[pos + len(piece) :]
        else:
            raw = raw[:pos] + piece + raw[pos + len(piece) :]
    _assert_contract(_load(raw))


_JSON_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufffe\uffff"
    ),
    max_size=20,
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(st.dictionaries(_JSON_TEXT, _JSON, max_size=6), st.booleans())
def test_json_documents_load_as_json(doc: dict[str, Any], indent: bool) -> None:
    # JSON is YAML 1.2: any JSON object must load to exactly what json.loads gives
    text = json.dumps(doc, ensure_ascii=False, indent=2 if indent else None)
    loaded = load_yaml_bytes(text.encode("utf-8"), "doc.json")
    assert loaded.diagnostics == []
    assert loaded.data == json.loads(text)
