"""The stages are layers (pyproject.toml ``[tool.importlinter]``, docs/architecture.md): the
import contracts hold on the tree, and they do fail when a loop is added."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_import_contracts_hold() -> None:
    proc = _lint(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the policy language reading the compute stage (the loop issue 13 removed)
        (
            "policy/types.py",
            "from generator.compute import grading",
            "The policy language never reads the compute stage BROKEN",
        ),
        # compute reading the loader
        (
            "compute/grading.py",
            "from generator.load import discover",
            "Compute never loads, validates, renders or prints BROKEN",
        ),
        # render reaching into the command line
        (
            "render/pages.py",
            "from generator.cli import main",
            "Render never reaches into the command line BROKEN",
        ),
        # a leaf reaching up
        (
            "common/ids.py",
            "from generator.change import base",
            "generator.common is not allowed to import generator.change",
        ),
    ],
)
def test_a_new_loop_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    shutil.copytree(REPO / "generator", tmp_path / "generator")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "generator" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    proc = _lint(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert broken in proc.stdout


def test_the_map_names_every_package_and_module() -> None:
    """docs/architecture.md's package table names every package and module under generator/:
    a module added without a line there fails here."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## The packages") : text.index("### The import contracts")]
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[3]
        for line in table.splitlines()
        if line.startswith("| `")
    }
    missing = []
    for package in sorted(
        p for p in (REPO / "generator").iterdir() if (p / "__init__.py").is_file()
    ):
        row = rows.get(package.name + "/")
        if row is None:
            missing.append(package.name + "/")
            continue
        for module in sorted(package.glob("*.py")):
            if module.stem != "__init__" and f"`{module.stem}`" not in row:
                missing.append(f"{package.name}/{module.name}")
    assert not missing, f"not in docs/architecture.md's package table: {missing}"


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_WORDS_ALLOWED = {
    # the company-name suffixes recurrence strips before comparing names: data, not words
    ("recurrence.py", "_COMPANY_WORDS"),
}


def _cjk_strings(path: Path) -> list[str]:
    """String constants with Chinese text in ``path``, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    allowed = {
        id(c)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and (path.name, target.id) in _WORDS_ALLOWED
        for c in ast.walk(node.value)
    }
    return [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings | allowed
        and _CJK.search(node.value)
    ]


def test_compute_writes_no_words() -> None:
    """Design decision 14: compute returns facts; Chinese (and English) sentences are
    written by render (and validate's diagnostics), so no compute module holds Chinese text."""
    found = [
        s
        for path in sorted((REPO / "generator" / "compute").glob("*.py"))
        for s in _cjk_strings(path)
    ]
    assert not found, "\n".join(found)
