"""The customer reports on the site: ``kesu build`` publishes them for records in progress
and closed, the 8D pages link them, an unchanged report is not laid out again; and
``kesu check`` says when a change edits what the customer was already sent."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.cli.main import main
from generator.config.settings import load_config
from generator.report import pdf, previous
from generator.report import site as report_site
from generator.site.build import compute_site, run_build
from tests.site_fixtures import AS_OF, built_site, site_repo
from tests.test_check_gitrepo import PlayRepo, make_repo


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    store = tmp_path_factory.mktemp("store")
    mp.setenv("KESU_REPORT_CACHE_DIR", str(store))  # cold: the build lays them out
    # one worker: it lays out both PDFs with one typesetter (font map, stylesheet kept)
    mp.setenv(report_site.ENV_WORKERS, "1")
    try:
        root = site_repo(tmp_path_factory.mktemp("reports"))
        return built_site(root, root / "public")
    finally:
        mp.undo()


def test_the_build_publishes_reports_of_records_in_progress_and_closed(built: Path) -> None:
    names = sorted(p.name for p in (built / "reports").iterdir())
    # KS-2026-0002 is only registered and KS-2026-0003 cancelled: no report for them
    assert names == [
        "KS-2025-0001.pdf",
        "KS-2025-0001.xlsx",
        "KS-2026-0001.pdf",
        "KS-2026-0001.xlsx",
        "index.json",
    ]
    reader = PdfReader(built / "reports" / "KS-2025-0001.pdf")
    assert "D8 结案" in "".join(p.extract_text() for p in reader.pages)


def test_a_batch_build_writes_the_bytes_kesu_report_writes(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's worker laid out both reports with one typesetter; each file is still the
    one ``kesu report`` writes alone, in a fresh process state (issue 15: reproducible)."""
    monkeypatch.setenv("KESU_CACHE", "0")
    pdf._TYPESETTERS.clear()
    root = built.parent
    for rid in ("KS-2025-0001", "KS-2026-0001"):
        one = tmp_path / f"{rid}.pdf"
        args = ["-C", str(root), "report", rid, "--as-of", "2026-03-13", "-o", str(one)]
        assert main(args) == 0
        assert one.read_bytes() == (built / "reports" / f"{rid}.pdf").read_bytes(), rid


def test_one_typesetter_for_many_reports_gives_the_bytes_of_a_fresh_one(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KESU_CACHE", "0")
    root = built.parent
    config, _ = load_config(root)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    jobs = [j for j in report_site.plan(config, site.rows, site.history, None).jobs if j.html]
    assert len(jobs) == 2
    shared = pdf.Typesetter()
    batch = [shared.write(j.html, j.lang, j.images) for j in (*jobs, *jobs)]
    alone = [pdf.Typesetter().write(j.html, j.lang, j.images) for j in jobs]
    assert batch == alone + alone


def test_the_build_indexes_its_reports(built: Path) -> None:
    doc = json.loads((built / "reports" / previous.INDEX).read_text(encoding="utf-8"))
    assert doc["kesu-reports"] == previous.FORMAT and doc["salt"]
    assert sorted(doc["files"]) == sorted(
        p.name for p in (built / "reports").iterdir() if p.name != previous.INDEX
    )
    for name, entry in doc["files"].items():
        data = (built / "reports" / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["key"].endswith(name.rsplit(".", 1)[1])


def test_the_8d_page_links_its_report(built: Path) -> None:
    page = built / "generated" / "records" / "KS-2026-0001.html"
    html = page.read_text(encoding="utf-8")
    assert 'href="../../reports/KS-2026-0001.pdf"' in html
    assert 'href="../../reports/KS-2026-0001.xlsx"' in html
    assert (page.parent / "../../reports/KS-2026-0001.pdf").resolve().is_file()
    registered = (built / "generated" / "records" / "KS-2026-0002.html").read_text("utf-8")
    assert "reports/KS-2026-0002" not in registered


def test_an_unchanged_report_is_not_laid_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KESU_REPORT_CACHE_DIR", str(tmp_path / "store"))
    root = site_repo(tmp_path / "repo")
    config, _ = load_config(root)
    site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    assert site is not None
    roles = site.policy.roles
    first = report_site.plan(config, site.rows, site.history, roles)
    assert [j.name for j in first.jobs if j.data is None] == [
        "KS-2025-0001.pdf",
        "KS-2026-0001.pdf",
    ]
    pending = report_site.Pending(root, first)
    files = {name: data for name, _, data in pending.files()}
    assert files["KS-2026-0001.pdf"].startswith(b"%PDF")
    again = report_site.plan(config, site.rows, site.history, roles)
    assert all(j.data is not None for j in again.jobs)
    assert {j.name: j.data for j in again.jobs} == files  # the same bytes: reproducible
    # a change to the record's customer-visible text lays that one out again
    row = next(r for r in site.rows if r.id == "KS-2026-0001")
    data = dict(row.record.data) | {"description": "另一段描述"}
    changed = [r if r.id != row.id else _with(r, data) for r in site.rows]
    third = report_site.plan(config, changed, site.history, roles)
    assert [j.name for j in third.jobs if j.data is None] == ["KS-2026-0001.pdf"]


def _with(row: object, data: dict[str, object]) -> object:
    from dataclasses import replace

    record = replace(row.record, data=data)  # type: ignore[attr-defined]
    return replace(row, record=record)  # type: ignore[type-var]


def test_reports_can_be_turned_off(tmp_path: Path) -> None:
    root = site_repo(tmp_path / "repo")
    (root / "kesu.yaml").write_text("report:\n  build: false\n", encoding="utf-8")
    out = built_site(root, root / "public")
    assert not (out / "reports").exists()
    html = (out / "generated" / "records" / "KS-2026-0001.html").read_text("utf-8")
    assert "reports/" not in html


@pytest.fixture
def repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> PlayRepo:
    return make_repo(tmp_path, capsys, monkeypatch)


def _sent(repo: PlayRepo) -> None:
    repo.edit(
        "KS-2025-0002",
        lambda d: d.setdefault("sent", []).append(
            {"date": "2025-01-18", "to": "客户 SQE 李明", "revision": "0123456789ab"}
        ),
    )
    repo.commit("8D sent")


def test_check_says_when_a_sent_report_changes(repo: PlayRepo, tmp_path: Path) -> None:
    _sent(repo)
    repo.branch("fix-wording")
    repo.edit("KS-2025-0002", lambda d: d["d2_problem"].update(summary="更正后的问题概述"))
    repo.commit("reword D2")
    summary = tmp_path / "summary.md"
    _, doc = repo.check("main", "--summary", str(summary))
    warn = [d for d in doc["diagnostics"] if d["code"] == "report-sent-changed"]
    assert len(warn) == 1 and warn[0]["severity"] == "warning"
    assert "d2_problem" in warn[0]["message"] and "0123456789ab" in warn[0]["message"]
    text = summary.read_text(encoding="utf-8")
    assert "### Already sent to the customer" in text
    assert "| `KS-2025-0002` | 2025-01-18 | 客户 SQE 李明 | `0123456789ab` | `d2_problem` |" in text


def test_check_is_quiet_when_only_internal_fields_change(repo: PlayRepo, tmp_path: Path) -> None:
    _sent(repo)
    repo.branch("internal-note")
    repo.edit("KS-2025-0002", lambda d: d.update(notes="内部备注：客户很急"))
    repo.commit("note")
    summary = tmp_path / "summary.md"
    _, doc = repo.check("main", "--summary", str(summary))
    assert not [d for d in doc["diagnostics"] if d["code"] == "report-sent-changed"]
    assert "Already sent" not in summary.read_text(encoding="utf-8")


def test_report_of_an_earlier_commit(repo: PlayRepo, tmp_path: Path) -> None:
    """``kesu report --rev``: the report as it was sent, stamped with that commit."""
    first = repo.git("log", "-1", "--format=%h", "--abbrev=12").strip()
    repo.edit("KS-2025-0002", lambda d: d["d2_problem"].update(summary="第二版问题概述"))
    repo.commit("D2 reworded")
    old, new = tmp_path / "old.pdf", tmp_path / "new.pdf"
    code, _, err = repo.run("report", "KS-2025-0002", "--rev", "HEAD~1", "-o", str(old))
    assert code == 0, err
    code, _, err = repo.run("report", "KS-2025-0002", "-o", str(new))
    assert code == 0, err
    old_text = "".join(p.extract_text() for p in PdfReader(old).pages)
    new_text = "".join(p.extract_text() for p in PdfReader(new).pages)
    assert first in old_text and "第二版问题概述" not in old_text
    assert "第二版问题概述" in new_text and first not in new_text
    code, _, err = repo.run("report", "KS-2025-0002", "--rev", "no-such-branch")
    assert code == 2 and "not in commit 'no-such-branch'" in err


def _retouch(site: Path, name: str, data: bytes) -> None:
    """Put ``data`` in place of an earlier build's report, its index updated to match."""
    (site / "reports" / name).write_bytes(data)
    index = site / "reports" / previous.INDEX
    doc = json.loads(index.read_text(encoding="utf-8"))
    doc["files"][name]["sha256"] = hashlib.sha256(data).hexdigest()
    index.write_text(json.dumps(doc), encoding="utf-8")


def test_reports_from_a_trusted_build_are_taken_and_changed_ones_laid_out(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As CI's main workflow: no local store (KESU_CACHE=0), the site main published before.
    The unchanged record's files come from there (a marked copy proves it: laying it out
    again would give the real bytes); the changed record's PDF is laid out again."""
    monkeypatch.setenv("KESU_CACHE", "0")
    monkeypatch.delenv("KESU_REPORT_CACHE_DIR")
    earlier = tmp_path / "earlier"
    shutil.copytree(built, earlier)
    old = (built / "reports" / "KS-2026-0001.pdf").read_bytes()
    marked = (built / "reports" / "KS-2025-0001.pdf").read_bytes() + b"%marked copy\n"
    _retouch(earlier, "KS-2025-0001.pdf", marked)
    root = site_repo(tmp_path / "repo")
    rec = root / "records" / "KS-2026-0001.yaml"
    text = rec.read_text(encoding="utf-8")
    assert "\ndescription:" in text
    lines = [
        "description: 客户复核后更正的问题描述。" if line.startswith("description:") else line
        for line in text.splitlines()
    ]
    rec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config, _ = load_config(root)
    err = io.StringIO()
    out = root / "public"
    assert run_build(config, AS_OF, out, "zh", out=err, reports_from=earlier) == 0, err.getvalue()
    assert (out / "reports" / "KS-2025-0001.pdf").read_bytes() == marked
    assert (out / "reports" / "KS-2025-0001.xlsx").read_bytes() == (
        built / "reports" / "KS-2025-0001.xlsx"
    ).read_bytes()
    new = (out / "reports" / "KS-2026-0001.pdf").read_bytes()
    assert new.startswith(b"%PDF") and new != old
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(new)).pages)
    assert "客户复核后更正的问题描述" in text
    assert (
        "客户报告文件 4 个（PDF 与 Excel），排版 PDF 1 份，沿用上次构建的文件 2 个"
        in err.getvalue()
    )


def test_an_earlier_build_is_trusted_only_where_it_matches(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = tmp_path / "earlier"
    shutil.copytree(built, earlier)
    doc = json.loads((earlier / "reports" / previous.INDEX).read_text(encoding="utf-8"))
    name, entry = "KS-2026-0001.pdf", doc["files"]["KS-2026-0001.pdf"]
    data = (earlier / "reports" / name).read_bytes()
    taken = previous.load(earlier)
    assert taken.note is None and taken.get(name, entry["key"]) == data
    assert taken.get(name, "0" * 32 + ".pdf") is None  # another content
    assert taken.get("KS-2025-0001.pdf", entry["key"]) is None  # another file's key
    # bytes that no longer hash to the index: damaged, laid out again
    (earlier / "reports" / name).write_bytes(data[:-10])
    assert previous.load(earlier).get(name, entry["key"]) is None
    # a link in place of the file is never followed
    (earlier / "reports" / name).unlink()
    os.symlink(built / "reports" / name, earlier / "reports" / name)
    assert previous.load(earlier).get(name, entry["key"]) is None
    # names that are paths are ignored
    doc["files"]["../KS-2026-0001.pdf"] = entry
    (earlier / "reports" / previous.INDEX).write_text(json.dumps(doc), encoding="utf-8")
    assert "../KS-2026-0001.pdf" not in previous.load(earlier).entries
    # made by other code (another salt): nothing is taken, and the build says why
    doc["salt"] = "0" * 16
    (earlier / "reports" / previous.INDEX).write_text(json.dumps(doc), encoding="utf-8")
    other = previous.load(earlier)
    assert not other.entries and other.note and "other code" in other.note[1]
    # no index at all (a site built before reports were indexed)
    (earlier / "reports" / previous.INDEX).unlink()
    none = previous.load(earlier)
    assert not none.entries and none.note and "no earlier reports" in none.note[1]
