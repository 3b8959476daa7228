"""Text that can break a format is refused at validation, and every writer escapes anyway.

The rule lives in ``generator/common/textrules.py``; the schemas carry it as ``$defs/line`` and
``$defs/text`` (``$defs/prose`` in the policy schema, whose ``text`` is the bilingual pair).
The walk below fails when a string field has no rule, so a field added later cannot forget it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from generator.common import textrules
from generator.config.settings import load_config, load_schema
from generator.load.schemamsg import CHARACTER_CODE, _ecma, schema_diagnostics
from generator.policy.loader import load_policy
from generator.render.env import environment
from generator.render.escape import front_matter_title, html_text, site_name
from generator.render.exports import _csv_cell
from generator.validate.records import complaint_validator, fast_complaint_check
from tests.conftest import REPO, load_record
from tests.site_fixtures import FIXTURE_REPO, TZ

SCHEMAS = ("complaint", "policy", "config")
RULE_DEFS = {"line", "text", "prose"}
_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")
_ONE = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
# Formats whose own pattern already names every character they take.
CLOSED_FORMATS = {"date", "kesu-datetime"}


def _nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema with its JSON pointer."""
    if not isinstance(node, dict):
        return
    yield path, node
    for key in _MAPS:
        for name, sub in node.get(key, {}).items():
            yield from _nodes(sub, f"{path}/{key}/{name}")
    for key in _ONE:
        yield from _nodes(node.get(key), f"{path}/{key}")
    for key in _LISTS:
        for i, sub in enumerate(node.get(key, [])):
            yield from _nodes(sub, f"{path}/{key}/{i}")


def closed(pattern: str) -> bool:
    """A pattern that names every character it accepts: anchored, no negated class, no ``.``,
    no ``\\S``-like class (so no control, bidi or invisible character can match)."""
    if not pattern.startswith("^") or "[^" in pattern:
        return False
    bare = re.sub(r"\\[^SsDdWwPp]", "", pattern)  # escapes such as \. \- \[
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # classes: a "." in them is literal
    return not re.search(r"\.|\\[SsDdWwPp]", bare)


def _chain(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """``node`` and every definition its ``$ref`` leads to."""
    seen = 0
    while True:
        yield node
        ref = node.get("$ref")
        if not isinstance(ref, str) or seen > 10:
            return
        node, seen = defs[ref.rsplit("/", 1)[-1]], seen + 1


def _is_string(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def uncovered(schema: Mapping[str, Any]) -> list[str]:
    defs = schema.get("$defs", {})
    out = []
    for path, node in _nodes(schema):
        if path.split("/")[1:3] in (["$defs", d] for d in RULE_DEFS) or not _is_string(node):
            continue
        chain = list(_chain(node, defs))
        if any("enum" in n or "const" in n for n in chain):
            continue
        if any(n.get("pattern") in textrules.PATTERNS for n in chain):
            continue
        patterns = [str(n["pattern"]) for n in chain if "pattern" in n]
        formats = {n.get("format") for n in chain} - {None}
        if patterns and all(closed(p) for p in patterns) and formats <= CLOSED_FORMATS:
            continue
        out.append(path)
    return out


@pytest.mark.parametrize(
    ("pattern", "is_closed"),
    [
        ("^[A-Z][A-Z0-9]{0,9}-[0-9]{4}-[0-9]{3,6}(-[0-9]{1,2})?$", True),
        ("^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$", True),
        ("^[0-9+()\\- ]{3,30}$", True),
        ("^\\S(.*\\S)?$", False),
        ('^(https?://\\S+|[^/\\\\:*?\\"<>|][^:*?\\"<>|]*)$', False),
        ("[a-z]+", False),
    ],
)
def test_closed_patterns_are_told_apart(pattern: str, is_closed: bool) -> None:
    assert closed(pattern) is is_closed


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_string_field_has_a_text_rule(name: str) -> None:
    assert uncovered(load_schema(name)) == []


def test_the_walk_finds_a_field_without_a_rule() -> None:
    schema = copy.deepcopy(load_schema("complaint"))
    schema["properties"]["title"] = {"type": "string", "maxLength": 200}
    schema["properties"]["problem_key"].pop("$ref")
    assert uncovered(schema) == ["/properties/title", "/properties/problem_key"]


@pytest.mark.parametrize("name", SCHEMAS)
def test_the_schemas_hold_the_patterns_of_textrules(name: str) -> None:
    defs = load_schema(name)["$defs"]
    assert defs["line"]["pattern"] == textrules.LINE_PATTERN
    multi = {"complaint": "text", "policy": "prose"}.get(name)
    if multi:
        assert defs[multi]["pattern"] == textrules.TEXT_PATTERN


@pytest.mark.parametrize("name", SCHEMAS)
def test_keys_of_open_maps_are_closed(name: str) -> None:
    # A map's keys are published too (milestone ids, event names); policy_overrides is
    # checked by the policy schema once merged.
    for path, node in _nodes(load_schema(name)):
        extra = node.get("additionalProperties", False)
        if node.get("type") != "object" or extra is False or path == "/properties/policy_overrides":
            continue
        keys = node.get("propertyNames", {})
        assert "enum" in keys or closed(keys.get("pattern", "")), path


# --- the rule itself ---------------------------------------------------------------------


def _refused(cp: int, rule: str) -> bool:
    """The table itself, read without a regular expression."""
    if rule == "text" and cp in (0x09, 0x0A):
        return False
    return any(first <= cp <= last for first, last, _kind in textrules._RANGES)


def test_the_patterns_and_first_bad_follow_the_table_on_every_bmp_character() -> None:
    rules: list[tuple[textrules.Rule, str]] = [
        ("line", textrules.LINE_PATTERN),
        ("text", textrules.TEXT_PATTERN),
    ]
    for rule, pattern in rules:
        rx = _ecma(pattern)
        for cp in range(0x10000):
            value = f"a{chr(cp)}b"
            refused = _refused(cp, rule)
            assert (textrules.first_bad(value, rule) is not None) == refused, (rule, hex(cp))
            if not 0xD800 <= cp <= 0xDFFF:  # not in the portable pattern (see textrules)
                assert (rx.search(value) is None) == refused, (rule, hex(cp))


def _edges() -> list[int]:
    out = {0x20, 0x7E, 0xA0, 0x4E2D, 0x1F600}
    for first, last, _kind in textrules._RANGES:
        out |= {first - 1, first, last, last + 1}
    return sorted(cp for cp in out if not 0xD800 <= cp <= 0xDFFF and cp >= 0)


@pytest.mark.parametrize("rule", ["line", "text"])
def test_the_fast_validator_reads_the_pattern_the_same_way(rule: textrules.Rule) -> None:
    pattern = textrules.LINE_PATTERN if rule == "line" else textrules.TEXT_PATTERN
    fast = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
    for cp in _edges():
        value = f"a{chr(cp)}b"
        assert fast.is_valid(value) == (textrules.first_bad(value, rule) is None), hex(cp)
    # $ is the end of the text, not before a final newline
    assert fast.is_valid("x\n") == (rule == "text")


@pytest.mark.parametrize(
    ("value", "rule", "found"),
    [
        ("王磊\n", "line", (2, "U+000A", "line_break", "LINE FEED")),
        ("a\nb\tc", "text", None),
        ("a\r\nb", "text", (1, "U+000D", "line_break", "CARRIAGE RETURN")),
        ("x\u202ey", "text", (1, "U+202E", "bidi", "RIGHT-TO-LEFT OVERRIDE")),
        ("王\u200b芳", "line", (1, "U+200B", "invisible", "ZERO WIDTH SPACE")),
        ("\ufeffx", "line", (0, "U+FEFF", "invisible", "ZERO WIDTH NO-BREAK SPACE")),
        ("a\x1b[31m", "line", (1, "U+001B", "control", "ESCAPE")),
        ("a\x07", "line", (1, "U+0007", "control", "CONTROL CHARACTER")),
        ("x\ud800", "line", (1, "U+D800", "surrogate", "SURROGATE")),
        ("中文 😀 ⅰ é", "line", None),
        ("👩‍🔧", "line", (1, "U+200D", "invisible", "ZERO WIDTH JOINER")),
    ],
)
def test_first_bad(value: str, rule: textrules.Rule, found: tuple[Any, ...] | None) -> None:
    bad = textrules.first_bad(value, rule)
    got = None if bad is None else (bad.index, bad.code, bad.kind, bad.name)
    assert got == found


def test_scrub_replaces_what_the_rule_refuses_and_keeps_the_rest() -> None:
    assert textrules.scrub("a\n\tb\u202ec\x00d中😀") == "a\n\tb\ufffdc\ufffdd中😀"
    assert textrules.scrub("a\n\tb", "line") == "a\ufffd\ufffdb"
    assert textrules.scrub("x\ud800") == "x\ufffd"


def test_patterns_are_matched_as_json_schema_means_them() -> None:
    assert _ecma("^[a-z]+$").search("abc\n") is None
    assert _ecma("^[a-z]+$").search("abc") is not None
    assert _ecma("^[$]$").search("$") is not None
    assert _ecma("^a\\$$").search("a$") is not None
    assert _ecma("^x$|^end$").search("end\n") is None


# --- validation messages -------------------------------------------------------------------


def _record() -> dict[str, Any]:
    data: dict[str, Any] = load_record(FIXTURE_REPO / "records/KS-2025-0001.yaml")
    data["imported"] = {"source": "ERP", "imported_at": "2025-01-15"}
    return data


def _set(data: Any, path: str, value: str) -> None:
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


BAD = [
    ("responsibility.owner", "王磊\n", "U+000A"),
    ("title", "华东汽车电子 \u202e热过致导", "U+202E"),
    ("reporter.name", "王\u200b芳", "U+200B"),
    ("customer.company", "华东\t汽车电子", "U+0009"),
    ("description", "过热\x00报警", "U+0000"),
    ("notes", "第一行\r\n第二行", "U+000D"),
    ("d5_actions.actions[0].description", "更换端子\u2028并复检", "U+2028"),
    ("d1_team.leader.name", "\ufeff王磊", "U+FEFF"),
    ("imported.source", "ERP\u200d", "U+200D"),
    ("approvals[0].role", "quality_manager\n", "U+000A"),  # a closed pattern: named all the same
    ("product.lots[0]", "L2025\x1b[2J", "U+001B"),
    ("problem_key", "恒力/PLC\u2066/TERM", "U+2066"),
]


@pytest.mark.parametrize(("path", "value", "code"), BAD, ids=[b[0] for b in BAD])
def test_a_refused_character_is_a_located_error_that_names_it(
    path: str, value: str, code: str
) -> None:
    data = _record()
    _set(data, path, value)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert not fast_complaint_check()(data)
    diags = list(schema_diagnostics(complaint_validator(), data, "records/x.yaml", text))
    assert [(d.code, d.field) for d in diags] == [(CHARACTER_CODE, path)]
    d = diags[0]
    assert d.line is not None and d.file == "records/x.yaml"
    for lang in ("zh", "en"):
        assert code in d.message(lang) and d.hint(lang)
        bad = textrules.first_bad(value)
        assert bad is not None and bad.char not in d.message(lang) + d.hint(lang)


@pytest.mark.parametrize(
    ("path", "value"),
    [("description", "第一行\n\t第二行\n"), ("title", "PLC 控制柜 😀 <b> & [x](y)")],
)
def test_allowed_text_passes(path: str, value: str) -> None:
    data = _record()
    _set(data, path, value)
    assert fast_complaint_check()(data)
    assert not list(complaint_validator().iter_errors(data))


def test_a_lone_surrogate_is_refused_not_a_crash() -> None:
    data = _record()
    data["title"] = "标题\udc80"
    assert fast_complaint_check()(data) is False
    diags = list(schema_diagnostics(complaint_validator(), data, "records/x.yaml", None))
    assert [(d.code, d.field) for d in diags] == [(CHARACTER_CODE, "title")]
    assert "U+DC80" in diags[0].message("en")


def test_kesu_yaml_and_policy_overrides_are_held_to_the_same_rule(tmp_path: Path) -> None:
    (tmp_path / "kesu.yaml").write_text(
        'site:\n  title: "客诉\\u202e与8D"\npeople:\n  - name: "王\\u200b磊"\n',
        encoding="utf-8",
    )
    _config, diags = load_config(tmp_path)
    assert [(d.code, d.field, d.line) for d in diags] == [
        (CHARACTER_CODE, "people[0].name", 4),
        (CHARACTER_CODE, "site.title", 2),
    ]
    (tmp_path / "kesu.yaml").write_text(
        "policy_overrides:\n  grades:\n"
        '    - id: "1"\n      name: {zh: "客户投诉\\x07", en: Customer complaint}\n',
        encoding="utf-8",
    )
    config, diags = load_config(tmp_path)
    assert diags == []
    policy, diags = load_policy(config)
    assert policy is None
    assert [(d.code, d.file, d.line, d.field) for d in diags] == [
        (CHARACTER_CODE, "kesu.yaml", 4, "policy_overrides.grades[0].name.zh")
    ]
    assert "U+0007" in diags[0].message("en")


# --- writers -------------------------------------------------------------------------------


def test_every_template_value_is_escaped_and_scrubbed() -> None:
    tpl = environment().from_string('<p title="{{ v }}">{{ v }}</p>{{ w | text }}')
    out = tpl.render(v='a\n\nb\u202e<i>"', w="x\ny")
    assert out == (
        '<p title="a<br><br>b\ufffd&lt;i&gt;&#34;">a<br><br>b\ufffd&lt;i&gt;&#34;</p>x<br>y'
    )


def test_html_helpers_scrub() -> None:
    assert html_text("a\x85b\u2029c\x07") == "a<br>b<br>c\ufffd"
    assert front_matter_title("标题\u202e\n<b>") == '"标题\ufffd &lt;b&gt;"'


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("客诉与8D", "客诉与8D"),
        (
            '</title><script>alert("x")</script>',
            "&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
        ),
        ("R&D 客诉", "R&D 客诉"),
        ("a\u202eb\nc", "a\ufffdb c"),
    ],
)
def test_the_site_title_handed_to_mkdocs_is_escaped(title: str, shown: str) -> None:
    assert site_name(title) == shown


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "\ufffd=1"),
        ("  =1", "'  =1"),
        ("a\x01b", "a\ufffdb"),
        ("王磊", "王磊"),
        ("a=b", "a=b"),
    ],
)
def test_csv_cells_are_never_formulas(value: str, cell: str) -> None:
    from generator.render.env import Fmt

    assert _csv_cell(value, Fmt(lang="zh", tz=TZ, page="")) == cell


def test_terminal_output_is_scrubbed(tmp_path: Path) -> None:
    from generator.common.diagnostics import Diagnostic
    from generator.render.reporters import render_github, render_text

    d = Diagnostic(file="records/\u202ex.yaml", code="c", message_zh="名\x1b[2J", message_en="n")
    for out in (render_text([d], 1, "zh"), render_github([d], 1, "zh")):
        assert "\u202e" not in out and "\x1b" not in out


# Macros whose output the templates only place inside a tag's attribute (src="…"), which
# Python-Markdown never reads as Markdown; the test below checks every use.
ATTRIBUTE_MACROS = ("img_src",)
HEADING_VALUE = re.compile(r"^(f\.t\(|f\.label\(|title_key\b)")


def test_record_values_reach_markdown_only_inside_html_blocks() -> None:
    """Python-Markdown leaves HTML blocks alone; anywhere else a value could form Markdown
    (links, images, emphasis, ``{: }`` attribute lists, ``--8<--`` snippets). So outside a line
    that starts with a tag, a template writes only labels and translations."""
    bad = []
    for path in sorted((REPO / "generator/render/templates").glob("*.j2")):
        macro = ""
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if started := re.match(r"\{%-?\s*macro\s+(\w+)", line):
                macro = started.group(1)
            if macro in ATTRIBUTE_MACROS:  # its output is only ever an attribute's value
                if "endmacro" in line:
                    macro = ""
                continue
            body = re.sub(r"^(\s*\{%.*?%\})+", "", line).lstrip()
            if "{{" not in body or body.startswith(("<", "{{ m.")):
                continue
            if body.startswith("title: {{") and "| fm_title" in body:
                continue
            exprs = re.findall(r"\{\{\s*(.*?)\s*\}\}", body)
            if body.startswith("#") and all(HEADING_VALUE.match(e) for e in exprs):
                continue
            bad.append(f"{path.name}:{n}: {line.strip()[:80]}")
            for name in ATTRIBUTE_MACROS:
                for use in re.finditer(rf"(.{{0,6}})\{{\{{ m\.{name}\(", line):
                    if not use.group(1).endswith('="'):
                        bad.append(f"{path.name}:{n}: m.{name} outside an attribute")
    assert bad == []


def test_the_translations_hold_no_refused_character() -> None:
    from generator.render.i18n import _UI

    for key, pair in _UI.items():
        for text in pair:
            assert textrules.first_bad(text, "text") is None, key


def test_the_guide_shows_the_message_as_it_is() -> None:
    expected = (REPO / "tests/cases/invalid/text-line-break-in-owner/expected.txt").read_text(
        encoding="utf-8"
    )
    guide = (REPO / "docs/writing-records.md").read_text(encoding="utf-8")
    assert "\n".join(expected.splitlines()[:2]) in guide


@pytest.mark.parametrize(
    ("flag", "value", "field", "code"),
    [
        ("--title", "PLC\udcff柜", "title", "U+DCFF"),  # bytes that were not UTF-8 in argv
        ("--customer", "恒力\u202e工控", "customer.company", "U+202E"),
        ("--title", "PLC\n柜", "title", "U+000A"),
    ],
)
def test_kesu_new_refuses_what_no_record_may_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, field: str, code: str
) -> None:
    from generator.cli.main import main

    repo = tmp_path / "repo"
    (repo / "records").mkdir(parents=True)
    args = {"--title": "PLC 柜", "--customer": "恒力工控", "--product": "线束"} | {flag: value}
    flat = [x for pair in args.items() for x in pair]
    assert main(["-C", str(repo), "--lang", "en", "new", *flat, "--channel", "email"]) == 2
    err = capsys.readouterr().err
    assert f"[{CHARACTER_CODE}] {field}: " in err and code in err
    assert err.rstrip().endswith("kesu new: no record created: fix the fields above")
    assert list((repo / "records").iterdir()) == []
