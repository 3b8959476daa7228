"""Hardened YAML loading for hand-written records (design decision 3).

Every problem becomes a :class:`Diagnostic` with a line and a Chinese and English message;
nothing here raises on any input. Data is built from libyaml's *event* stream, not from a
composed node tree: libyaml's composer recurses on the C stack and crashed the interpreter
(SIGSEGV) on 100,000 nested ``[`` (measured), while its parser is an iterative state machine.
One pass over the events also costs about half of ``yaml.load(Loader=CSafeLoader)`` and sees
anchors, tags and depth directly.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode, SequenceNode

from generator.common.diagnostics import Diagnostic, format_path
from generator.load.yamlmessages import SYNTAX, TEXT

if TYPE_CHECKING or yaml.__with_libyaml__:
    from yaml import CSafeLoader as _BaseLoader
else:  # pragma: no cover - PyYAML built without libyaml: same events, pure Python
    from yaml import SafeLoader as _BaseLoader

MAX_BYTES = 1_000_000
MAX_DEPTH = 64
_Y = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _Y + "str", _Y + "seq", _Y + "map"
_TAGS = {type(None): _Y + "null", bool: _Y + "bool", int: _Y + "int", float: _Y + "float"}
_TAGS[str] = _STR

# YAML 1.2 core schema words. Any other word stays a string, which keeps `NO`, `on`, `yes`,
# `y` (YAML 1.1 booleans) meaning what VS Code's YAML 1.2 server shows.
_WORDS: dict[str, Any] = dict.fromkeys(("", "~", "null", "Null", "NULL"))
_WORDS |= dict.fromkeys(("true", "True", "TRUE"), True)
_WORDS |= dict.fromkeys(("false", "False", "FALSE"), False)
_WORDS |= dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan"))
_WORDS |= {s + w: float(s + "inf") for s in ("", "+", "-") for w in (".inf", ".Inf", ".INF")}
# Numbers per 1.2 core, with one deliberate departure: a leading zero (`0012`, `007.5`) keeps
# the value a string. 1.2 reads `0012` as 12, silently turning ids and part numbers into a
# different value than the file shows. No sexagesimal (`14:30`), no `_` separators (`1_000`),
# no timestamps: `2026-02-30` stays a string and schema validation reports it with a line.
_NUM = re.compile(
    r"(?P<int>[-+]?(?:0|[1-9][0-9]*))|0o(?P<oct>[0-7]+)|0x(?P<hex>[0-9a-fA-F]+)"
    r"|[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
)
_NUM_START = frozenset("0123456789+-.")
# Controls YAML forbids, plus NEL/U+2028/U+2029, which libyaml (YAML 1.1) counts as line
# breaks while editors do not: every later line number would be off.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_CJK = re.compile("[\u4e00-\u9fff]")
_MISSING: Any = object()


class YamlProblem(yaml.YAMLError):
    """A rule of this loader was broken; ``load_yaml_*`` turn it into a Diagnostic."""

    def __init__(self, code: str, mark: Any = None, field: str = "", **fill: Any) -> None:
        self.code, self.pos, self.field, self.fill = code, _at(mark), field, fill
        super().__init__(TEXT[code][1].format(**fill))

    def diagnostic(self, file: str) -> Diagnostic:
        return _diag(file, self.code, self.pos, self.field, **self.fill)


@dataclass(frozen=True)
class Loaded:
    data: Any | None
    """The document (a dict for a valid record); None when the file could not be loaded."""
    diagnostics: list[Diagnostic]
    text: str | None
    """The decoded text (BOM removed), for :func:`locate`; None when it could not be decoded."""


def _diag(
    file: str,
    code: str,
    pos: tuple[int | None, int | None] = (None, None),
    field: str = "",
    **fill: Any,
) -> Diagnostic:
    """``code`` is a key of TEXT: the diagnostic code, optionally with a /variant."""
    zh, en, hint_zh, hint_en = (s.format(**fill) for s in TEXT[code])
    return Diagnostic(file, code.split("/")[0], zh, en, pos[0], pos[1], field, hint_zh, hint_en)


def _at(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _plain(value: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar under the rules above."""
    word = _WORDS.get(value, _MISSING)
    if word is not _MISSING:
        return word
    if value[0] in _NUM_START and (m := _NUM.fullmatch(value)):
        try:
            if m["int"] is not None:
                return int(value)
            if m["oct"] is not None or m["hex"] is not None:
                return int(m["oct"], 8) if m["oct"] is not None else int(m["hex"], 16)
            return float(value)
        except ValueError:  # beyond Python's 4300-digit int limit: keep what the file shows
            return value
    return value


def _short(tag: str) -> str:
    return _clip("!!" + tag[len(_Y) :] if tag.startswith(_Y) else tag)


def _clip(text: str) -> str:
    """Values quoted in messages stay short whatever the file holds."""
    return text if len(text) <= 40 else text[:39] + "…"


def _tagged(ev: ScalarEvent, tag: str, stack: list[_Frame]) -> Any:
    """An explicitly tagged scalar: core tags only, and the value must fit the tag."""
    if tag in (_STR, "!"):
        return ev.value
    if tag not in _TAGS.values():
        raise YamlProblem("yaml-tag", ev.start_mark, _field(stack), tag=_short(tag))
    value = _plain(ev.value)
    if tag == _TAGS[float] and type(value) is int:
        value = float(value)
    if _TAGS[type(value)] != tag:
        raise YamlProblem(
            "yaml-tag/value", ev.start_mark, _field(stack), tag=_short(tag), value=_clip(ev.value)
        )
    return value


class _Frame:
    __slots__ = ("items", "key", "lines", "mark")

    def __init__(self, items: dict[str, Any] | list[Any], mark: Any) -> None:
        self.items, self.mark = items, mark
        self.key: Any = _MISSING  # in a mapping: the key whose value is being built
        self.lines: dict[str, int] = {}  # key -> line of its first occurrence


def _field(stack: list[_Frame], *last: str) -> str:
    parts = [len(f.items) if type(f.items) is list else f.key for f in stack]
    return format_path([p for p in parts if p is not _MISSING] + list(last))


def _build(loader: Any) -> Any:
    """The single document, built iteratively from parser events with every rule checked.

    This loop is most of a cold ``kesu validate`` (about 500 events a record): the frame being
    filled is kept in locals, and a plain scalar that is a word or cannot be a number is
    settled here without calling :func:`_plain` (docs/performance.md, issue 15).
    """
    get = loader.get_event
    get()  # StreamStartEvent
    if type(get()) is StreamEndEvent:  # else DocumentStartEvent
        raise YamlProblem("yaml-empty")
    words, num_start, missing = _WORDS.get, _NUM_START, _MISSING
    stack: list[_Frame] = []
    top: Any = None  # stack[-1]
    items: Any = None  # top.items
    in_list = False  # type(items) is list
    root: Any = missing
    root_mark, root_empty = None, False
    while True:
        ev = get()
        kind = type(ev)
        if kind is ScalarEvent:
            if ev.anchor is not None:
                raise YamlProblem("yaml-alias", ev.start_mark, _field(stack))
            value = ev.value
            if ev.tag is not None:
                value = _tagged(ev, ev.tag, stack)
            elif ev.implicit[0]:  # plain: _plain(value), its common cases inline
                word = words(value, missing)
                if word is not missing:
                    value = word
                elif value[0] in num_start:
                    value = _plain(value)
            mark = ev.start_mark
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if ev.anchor is not None:
                raise YamlProblem("yaml-alias", ev.start_mark, _field(stack))
            is_map = kind is MappingStartEvent
            if ev.tag not in (None, "!", _MAP if is_map else _SEQ):
                raise YamlProblem("yaml-tag", ev.start_mark, _field(stack), tag=_short(ev.tag))
            if len(stack) >= MAX_DEPTH:  # long before the C stack or memory could suffer
                raise YamlProblem("yaml-too-deep", ev.start_mark, _field(stack), limit=MAX_DEPTH)
            items = {} if is_map else []
            in_list = not is_map
            top = _Frame(items, ev.start_mark)
            stack.append(top)
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            done = stack.pop()
            value, mark = done.items, done.mark
            if stack:
                top = stack[-1]
                items = top.items
                in_list = type(items) is list
        elif kind is AliasEvent:
            raise YamlProblem("yaml-alias", ev.start_mark, _field(stack))
        else:  # DocumentEndEvent: the parser guarantees that every collection was closed
            break
        if not stack:
            root, root_mark, root_empty = value, mark, kind is ScalarEvent and ev.value == ""
            continue
        if in_list:
            items.append(value)
        elif top.key is not missing:
            items[top.key] = value
            top.key = missing
        elif type(value) is not str:
            shown = "…" if type(value) in (list, dict) else yaml.safe_dump(value).split("\n")[0]
            raise YamlProblem(
                "yaml-key-type", mark, _field(stack), key=_clip(shown), line=mark.line + 1
            )
        elif value in top.lines:
            line, first = mark.line + 1, top.lines[value]
            raise YamlProblem(
                "yaml-duplicate-key",
                mark,
                _field(stack, value),
                key=_clip(value),
                first=first,
                line=line,
            )
        else:
            top.key = value
            top.lines[value] = mark.line + 1
    if type(ev := get()) is not StreamEndEvent:
        raise YamlProblem("yaml-multiple-documents", ev.start_mark)
    if root is None and root_empty:  # `---` alone, or `---` and comments
        raise YamlProblem("yaml-empty")
    if type(root) is not dict:
        what = ("列表", "a list") if type(root) is list else ("单个值", "a single value")
        raise YamlProblem("yaml-not-mapping", root_mark, zh=what[0], en=what[1])
    return root


class KesuLoader(_BaseLoader):
    """``yaml.load(text, Loader=KesuLoader)`` applies every rule here, raising YamlProblem.

    Do not ``yaml.compose`` untrusted text with it: composing recurses in C (module doc).
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _TAGS[type(_plain(value))] if implicit[0] else _STR
        return _SEQ if kind is SequenceNode else _MAP

    def get_single_data(self) -> Any:
        return _build(self)


def _byte_pos(raw: bytes, i: int) -> tuple[int, int]:
    start = raw.rfind(b"\n", 0, i) + 1
    return raw.count(b"\n", 0, i) + 1, len(raw[start:i].decode("utf-8", "replace")) + 1


def _text_pos(text: str, i: int) -> tuple[int, int]:
    return text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)


def _decode(raw: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """The UTF-8 text without BOM, or why the bytes are not a UTF-8 text file."""
    for bom, enc in (
        (b"\xff\xfe\0\0", "UTF-32"),
        (b"\0\0\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"),
        (b"\xfe\xff", "UTF-16"),
    ):
        if raw.startswith(bom):
            return None, _diag(file, "file-encoding/bom", (1, 1), enc=enc)
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # Notepad writes a UTF-8 BOM: harmless, accepted
    if (nul := raw.find(b"\0")) >= 0:
        return None, _diag(file, "file-binary", _byte_pos(raw, nul))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        pos = _byte_pos(raw, exc.start)
        try:
            gb = raw.decode("gb18030")
        except UnicodeDecodeError:
            return None, _diag(file, "file-encoding", pos)
        if not _CJK.search(gb):  # GB18030 decodes much; trust it only if it yields Chinese
            return None, _diag(file, "file-encoding", pos)
        shown = gb.split("\n")[pos[0] - 1].strip()[:30]
        return None, _diag(file, "file-encoding/gbk", pos, shown=shown)
    if m := _CONTROL.search(text):
        char = f"U+{ord(m[0]):04X}"
        return text, _diag(file, "file-control-char", _text_pos(text, m.start()), char=char)
    return text, None


def _syntax(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    problem, mark = exc.problem or str(exc), exc.problem_mark
    if problem.startswith("found unexpected end of stream") and exc.context_mark is not None:
        mark = exc.context_mark  # where the unclosed quote opened, not the end of the file
    line, col = _at(mark)
    lines = text.split("\n")
    src = lines[line - 1] if line is not None and line <= len(lines) else ""
    indent = src[: len(src) - len(src.lstrip(" \t"))]
    if "\t" in indent or "tab" in problem:
        col = indent.index("\t") + 1 if "\t" in indent else col
        return _diag(file, "yaml-syntax/tab", (line, col), line=line)
    zh, (hzh, hen) = next(
        ((zh, hint) for prefix, (zh, hint) in SYNTAX.items() if problem.startswith(prefix)),
        (problem, ("", "")),
    )
    return _diag(file, "yaml-syntax", (line, col), zh=zh, en=problem, hzh=hzh, hen=hen)


def _parse(text: str, file: str, loader_cls: Any = None) -> Loaded:
    try:
        loader = (loader_cls or KesuLoader)(text)
        try:
            return Loaded(_build(loader), [], text)
        finally:
            loader.dispose()
    except YamlProblem as exc:
        diag = exc.diagnostic(file)
    except yaml.MarkedYAMLError as exc:
        if loader_cls is None and str(exc.problem).startswith("exceeded maximum nesting depth"):
            # Wheels of PyYAML bundle a libyaml that stops at depth 1000 while scanning, before
            # our limit sees an event; the pure-Python parser reaches our limit lazily, so the
            # report is the same whichever PyYAML build is installed.
            return _parse(text, file, yaml.SafeLoader)
        diag = _syntax(exc, text, file)
    except yaml.YAMLError as exc:  # ReaderError; the control-character check makes it rare
        pos = getattr(exc, "position", None)
        at = _text_pos(text, min(pos, len(text))) if isinstance(pos, int) else (None, None)
        diag = _diag(file, "yaml-syntax", at, zh=str(exc), en=str(exc), hzh="", hen="")
    except (RecursionError, MemoryError):  # not expected (the build is iterative)
        diag = _diag(file, "yaml-too-deep", limit=MAX_DEPTH)
    except Exception as exc:  # the contract is "never raise"; the fuzz tests forbid this code
        diag = _diag(file, "yaml-internal", exc=repr(exc))
    return Loaded(None, [diag], text)


def load_yaml_bytes(raw: bytes, file: str, *, max_bytes: int = MAX_BYTES) -> Loaded:
    """Load one record from bytes; ``file`` is the name the diagnostics carry."""
    if len(raw) > max_bytes:
        return Loaded(None, [_diag(file, "file-too-large", limit=max_bytes)], None)
    text, problem = _decode(raw, file)
    if text is None or problem is not None:
        return Loaded(None, [problem or _diag(file, "file-encoding")], text)
    return _parse(text, file)


_KINDS = (
    (stat.S_ISDIR, "目录", "a directory"),
    (stat.S_ISFIFO, "命名管道（FIFO）", "a FIFO (named pipe)"),
    (stat.S_ISCHR, "设备", "a device"),
    (stat.S_ISBLK, "设备", "a device"),
    (stat.S_ISSOCK, "套接字", "a socket"),
)


def _not_regular(file: str, mode: int) -> Loaded:
    zh, en = next(((z, e) for test, z, e in _KINDS if test(mode)), ("特殊文件", "a special file"))
    return Loaded(None, [_diag(file, "file-not-regular", zh=zh, en=en)], None)


def load_yaml_file(
    path: Path, display: str | None = None, *, max_bytes: int = MAX_BYTES, root: Path | None = None
) -> Loaded:
    """Load one record file, reading at most ``max_bytes + 1`` bytes.

    Only regular files are opened: a FIFO or a device would block or never end. A symlink is
    followed only when its target stays inside ``root`` (default: the file's own folder).
    """
    file = display if display is not None else path.as_posix()
    try:
        mode = path.stat().st_mode  # follows symlinks: what matters is what would be read
        if not stat.S_ISREG(mode):
            return _not_regular(file, mode)
        real, base = path.resolve(), (root if root is not None else path.parent).resolve()
        if not real.is_relative_to(base):
            return Loaded(None, [_diag(file, "file-outside-root", base=base, real=real)], None)
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open() still returns
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(mode := os.fstat(fd).st_mode):
                return _not_regular(file, mode)
            chunks, left = [], max_bytes + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return Loaded(None, [_diag(file, "file-unreadable", why=exc.strerror or exc)], None)
    return load_yaml_bytes(b"".join(chunks), file, max_bytes=max_bytes)


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int] | None:
    """1-based (line, column) of the node at ``path``; a key's path gives its value.

    A missing key or index gives its nearest existing ancestor (the parent mapping).
    """
    index, key = _index(text), tuple(path)
    for n in range(len(key), -1, -1):
        if (hit := index.get(key[:n])) is not None:
            return hit
    return None


@lru_cache(maxsize=16)  # a file with many schema errors is indexed once, not once per error
def _index(text: str, pure: bool = False) -> dict[tuple[Any, ...], tuple[int, int]]:
    out: dict[tuple[Any, ...], tuple[int, int]] = {}
    path: list[Any] = []  # path of the next node; a mapping's slot holds its current key
    states: list[int] = []  # per open collection: -1 sequence; mapping 0 key next, 1 in key, 2
    loader = yaml.SafeLoader(text) if pure else KesuLoader(text)
    try:
        while True:
            ev = loader.get_event()
            kind = type(ev)
            if kind in (ScalarEvent, AliasEvent, MappingStartEvent, SequenceStartEvent):
                if states and states[-1] == 0:  # a key: remember it, record nothing
                    states[-1], path[-1] = 1, getattr(ev, "value", _MISSING)
                elif (at := _at(getattr(ev, "start_mark", None)))[0] is not None:
                    out.setdefault(tuple(path), at)  # type: ignore[arg-type]
                if kind is MappingStartEvent or kind is SequenceStartEvent:
                    if len(states) >= MAX_DEPTH:
                        break
                    states.append(0 if kind is MappingStartEvent else -1)
                    path.append(_MISSING if kind is MappingStartEvent else 0)
                    continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                states.pop()
                path.pop()
            elif kind in (DocumentEndEvent, StreamEndEvent) or ev is None:
                break
            else:
                continue
            if states and states[-1] == -1:  # a node is complete: advance its collection
                path[-1] += 1
            elif states:
                states[-1] = 2 if states[-1] == 1 else 0
    except yaml.YAMLError as exc:
        if not pure and not out and "maximum nesting depth" in str(exc):
            # libyaml's own depth limit stops it before the first event; the pure-Python
            # parser yields the events up to our limit (linear, and only for such files)
            return _index(text, pure=True)
        return out  # the index up to a syntax error is still useful
    finally:
        loader.dispose()
    return out


def located(
    file: str,
    text: str | None,
    path: Sequence[str | int],
    code: str,
    zh: str,
    en: str,
    hint_zh: str = "",
    hint_en: str = "",
) -> Diagnostic:
    """A diagnostic about the value at ``path``, with the line and column ``text`` puts it at."""
    where = locate(text, path) if text is not None else None
    return Diagnostic(
        file=file,
        code=code,
        message_zh=zh,
        message_en=en,
        line=where[0] if where else None,
        column=where[1] if where else None,
        field=format_path(list(path)),
        hint_zh=hint_zh,
        hint_en=hint_en,
    )
