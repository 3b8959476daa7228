"""Documentation that cannot drift from the schema and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.cli.main import build_parser, main
from generator.config.settings import load_schema
from generator.render.docgen import write_or_check
from tests.conftest import REPO

GUIDE = REPO / "docs" / "writing-records.md"


def test_generated_reference_is_current() -> None:
    assert write_or_check(REPO, check=True) == [], "run `kesu docs` and commit the result"


def test_docs_check_command_fails_on_stale_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(tmp_path), "--lang", "en", "docs", "--check"]) == 1
    assert "docs/record-fields.md: out of date" in capsys.readouterr().out
    assert main(["-C", str(tmp_path), "docs"]) == 0
    assert main(["-C", str(tmp_path), "docs", "--check"]) == 0


def test_every_top_level_field_is_in_the_reference() -> None:
    text = (REPO / "docs" / "record-fields.md").read_text(encoding="utf-8")
    for name in load_schema("complaint")["properties"]:
        if name != "$schema":
            assert f"| `{name}` |" in text, name


def test_guide_example_is_a_valid_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert blocks, "the guide has no example"
    example = blocks[0]
    rid = re.search(r"^id: (\S+)$", example, re.M)
    assert rid
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / f"{rid.group(1)}.yaml").write_text(example, encoding="utf-8")
    code = main(["-C", str(tmp_path), "validate"])
    assert code == 0, capsys.readouterr().out


def test_guide_mentions_every_status() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for status in load_schema("complaint")["properties"]["status"]["enum"]:
        assert f"`{status}`" in text, status


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, action in sub.choices.items():  # type: ignore[union-attr]
        assert action.description, f"kesu {name} has no description"
        assert f"kesu {name}" in readme, f"kesu {name} is not documented in the README"


def test_readme_config_example_is_valid(tmp_path: Path) -> None:
    from generator.config.settings import load_config
    from generator.policy.loader import load_policy

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Configuration \(`kesu.yaml`\)\n\n```yaml\n(.*?)```", text, re.S)
    assert block
    (tmp_path / "kesu.yaml").write_text(block.group(1), encoding="utf-8")
    config, diags = load_config(tmp_path)
    assert diags == []
    policy, pdiags = load_policy(config)
    assert pdiags == [] and policy is not None
    final = next(m for m in policy.milestones if m.id == "final_report")
    assert next(v for v in final.variants if v.id == "grades_1_2").duration.amount == 7


def test_every_local_link_in_the_docs_exists() -> None:
    """Issue 18: docs/policies.md was linked from two pages and did not exist. Every relative
    link (Markdown ``](path)`` or a backticked ``docs/….md``) in the README and docs/ names a
    file of the repository."""
    pages = [REPO / "README.md", REPO / "CONTRIBUTING.md", *sorted((REPO / "docs").glob("*.md"))]
    schema_text = (REPO / "schema" / "config.schema.json").read_text(encoding="utf-8")
    missing = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                missing.append(f"{page.name}: {target}")
        for target in re.findall(r"(?<![\w/])(docs/[\w.-]+\.md)", text):
            if not (REPO / target).exists():
                missing.append(f"{page.name}: {target}")
    for target in re.findall(r"(?<![\w/])(docs/[\w.-]+\.md)", schema_text):
        if not (REPO / target).exists():
            missing.append(f"config.schema.json: {target}")
    assert missing == []
