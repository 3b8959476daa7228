"""Folders that cannot take the files: read-only checkouts, output folders that cannot be
written, full disks. Each ends in a located message in both languages and exit 2, with the
previous output whole and no temporary file or staging folder left.

The suite runs as root, for whom permission bits stop nothing, so faults are made by letting
the system calls fail (monkeypatch) and, where the machine allows, for real: ``/dev/full``,
and a read-only bind mount or a small tmpfs in a private mount namespace (``unshare -rm``).
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.cli.initrepo import start
from generator.cli.main import main
from generator.cli.table import COMMANDS
from generator.common import faults
from generator.common.diagnostics import BilingualError
from generator.common.faults import WriteFault, write_atomic, writing
from generator.site import outdir as sitedir
from tests.site_fixtures import BUILD_EPOCH, REPO, built_site, site_repo

AS_OF = "2026-03-13 18:00"
FULL = Path("/dev/full")
WHY = {
    errno.EROFS: ("the file system is read-only (EROFS)", "文件系统为只读（EROFS）"),
    errno.EACCES: ("permission denied (EACCES)", "没有写入权限（EACCES）"),
    errno.ENOSPC: ("the disk is full (ENOSPC)", "磁盘已满（ENOSPC）"),
    errno.EDQUOT: ("the disk quota is used up (EDQUOT)", "磁盘配额已用完（EDQUOT）"),
}
MARKS = (sitedir.STAGE, sitedir.OLD, faults.TMP_MARK)


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(
    not _unshare_works(), reason="no private mount namespace here (unshare -rm)"
)
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) → its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def leftovers(*folders: Path) -> list[str]:
    """Temporary files and staging folders anywhere under ``folders``."""
    return sorted(
        p.as_posix()
        for f in folders
        if f.exists()
        for p in f.rglob("*")
        if any(m in p.name for m in MARKS)
    )


def oserror(code: int, path: Path | str | None = None) -> OSError:
    return OSError(code, os.strerror(code), *([str(path)] if path is not None else []))


def raising(code: int) -> Callable[..., Any]:
    """A stand-in for a system call that fails with ``code``."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise oserror(code)

    return fail


def clean(err: str) -> None:
    """No traceback and no internal-error wording reached the user."""
    assert "Traceback" not in err and "internal error" not in err and "内部错误" not in err


# ------------------------------------------------------------------ write_atomic


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT])
@pytest.mark.parametrize("step", ["create", "rename"])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, step: str
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old\n", encoding="utf-8")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise oserror(code, args[0])

    monkeypatch.setattr(os, "open" if step == "create" else "replace", fail)
    with pytest.raises(OSError) as caught:
        write_atomic(target, "new\n")
    monkeypatch.undo()
    assert caught.value.errno == code
    assert faults.TMP_MARK not in str(caught.value.filename)  # never the temporary name
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@needs_dev_full
def test_a_disk_that_fills_while_writing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "page.md"
    target.write_text("old\n", encoding="utf-8")
    real_open = os.open

    def open_on_a_full_disk(path: Any, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)  # the temporary file is made, its writes go nowhere
        full = real_open(FULL, os.O_WRONLY)
        os.dup2(full, fd)
        os.close(full)
        return fd

    monkeypatch.setattr(os, "open", open_on_a_full_disk)
    with pytest.raises(WriteFault) as caught, writing(target):
        write_atomic(target, "x" * 100_000)
    monkeypatch.undo()
    assert caught.value.en.startswith(f"cannot write {target}: the disk is full (ENOSPC)")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["page.md"]


@needs_dev_full
def test_a_device_is_written_in_place_never_replaced() -> None:
    write_atomic(Path("/dev/null"), "nothing\n")
    with pytest.raises(OSError) as caught:
        write_atomic(FULL, "x")
    assert caught.value.errno == errno.ENOSPC
    assert FULL.is_char_device() and Path("/dev/null").is_char_device()


def test_a_link_keeps_pointing_at_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


def test_the_message_names_the_path_the_fault_and_what_to_do() -> None:
    fault = faults.write_fault(oserror(errno.EROFS, "/ro/public"), hint=sitedir.OUTPUT)
    assert fault.message("en") == (
        "cannot write /ro/public: the file system is read-only (EROFS)\n"
        "  Hint: the output folder is not writable: pass --out to a writable folder"
    )
    assert fault.message("zh") == (
        "无法写入 /ro/public：文件系统为只读（EROFS）\n"
        "  提示：输出文件夹不可写：用 --out 指定可写的文件夹"
    )
    full = faults.write_fault(oserror(errno.ENOSPC), Path("/x/public"), sitedir.OUTPUT)
    assert "the previous site was left as it was" in full.message("en")
    assert "上一次构建的网站保持原样" in full.message("zh")


def test_a_fault_crosses_back_from_the_child_process_whole() -> None:
    import pickle

    fault = faults.write_fault(oserror(errno.ENOSPC, "/x"))
    back = pickle.loads(pickle.dumps(fault))
    assert type(back) is WriteFault and (back.zh, back.en) == (fault.zh, fault.en)


def test_the_engine_output_is_read_for_the_fault_it_died_of(tmp_path: Path) -> None:
    stage = sitedir.Staging(tmp_path / "public", tmp_path / ".public.kesu-stage-1-ab", False)
    output = (
        "Traceback (most recent call last):\n  ...\n"
        f"PermissionError: [Errno 13] Permission denied: '{stage.folder}/generated/x.html'\n"
    )
    fault = stage.engine_fault(output)
    assert fault is not None
    assert f"cannot write {tmp_path}/public/generated/x.html: permission denied" in fault.en
    assert stage.engine_fault("Aborted with 1 warnings in strict mode!\n") is None
    assert stage.engine_fault("FileNotFoundError: [Errno 2] No such file: 'x'\n") is None


# ------------------------------------------------------------------ the CLI's last resort


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (
            oserror(errno.EROFS, "/srv/x.md"),
            2,
            "cannot write /srv/x.md: the file system is read-only",
        ),
        (oserror(errno.ENOSPC), 2, "the disk is full (ENOSPC)"),
        (BilingualError("中文", "in English"), 2, "kesu docs: in English"),
        (oserror(errno.ENOENT, "/srv/x.md"), 3, "internal error: FileNotFoundError"),
        (ValueError("boom"), 3, "internal error: ValueError: boom"),
    ],
)
def test_a_fault_no_command_expected_is_still_a_message(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    raised: Exception,
    code: int,
    said: str,
) -> None:
    def handler(*_: Any) -> int:
        raise raised

    table = {**COMMANDS, "docs": dataclasses.replace(COMMANDS["docs"], run=handler)}
    assert main(["-C", str(tmp_path), "--lang", "en", "docs"], table) == code
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


# ------------------------------------------------------------------ commands writing one file


@needs_dev_full
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_export_to_a_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    root = site_repo(tmp_path / "repo")
    code = main(["-C", str(root), "--lang", lang, "export", "--as-of", AS_OF, "-o", str(FULL)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(FULL) in err and WHY[errno.ENOSPC][lang == "zh"] in err
    assert ("pass -o a file on another disk" if lang == "en" else "用 -o 写到另一块磁盘") in err
    clean(err)


def test_export_over_a_file_it_cannot_replace_keeps_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site_repo(tmp_path / "repo")
    out = tmp_path / "export.json"
    out.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(os, "replace", raising(errno.EROFS))
    code = main(["-C", str(root), "--lang", "en", "export", "--as-of", AS_OF, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot write {out}: the file system is read-only" in err
    assert out.read_text(encoding="utf-8") == "{}\n" and leftovers(tmp_path) == []


def test_new_on_a_full_disk_leaves_no_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr(os, "link", raising(errno.ENOSPC))
    code = main(
        [
            "-C",
            str(tmp_path),
            "--lang",
            "en",
            "new",
            "--title",
            "端子退针",
            "--customer",
            "恒力工控",
            "--product",
            "线束",
            "--channel",
            "phone",
        ]
    )
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and "the disk is full (ENOSPC)" in err and "KS-" in err
    assert list((tmp_path / "records").iterdir()) == []


def test_init_on_a_full_disk_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_copy2 = shutil.copy2

    def copy2(src: Any, dst: Any, **kwargs: Any) -> Any:
        calls.append(src)
        if len(calls) > 20:
            raise oserror(errno.ENOSPC, dst)
        return real_copy2(src, dst, **kwargs)

    monkeypatch.setattr(shutil, "copy2", copy2)
    for target in (tmp_path / "new", tmp_path / "empty"):
        if target.name == "empty":
            target.mkdir()
        with pytest.raises(WriteFault, match="the disk is full") as caught:
            start(target, "000", with_git=False, kesu_spec="kesu==0.1.0")
        assert "DIR was left as it was" in caught.value.en
        assert target.name != "new" or not target.exists()
        assert target.name != "empty" or list(target.iterdir()) == []


# ------------------------------------------------------------------ kesu build


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished build of the site fixture: the previous site every build test starts from."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    try:
        root = site_repo(tmp_path_factory.mktemp("prev") / "repo")
        site = built_site(root, root.parent / "site")
    finally:
        mp.undo()
    (site / ".nojekyll").write_text("", encoding="utf-8")  # hidden entries a build keeps
    return site


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)
    return site_repo(tmp_path / "repo")


@pytest.fixture
def out(previous: Path, tmp_path: Path) -> Path:
    """The output folder, holding the previous site."""
    target = tmp_path / "www" / "public"
    shutil.copytree(previous, target, symlinks=True)
    return target


def build(
    root: Path, target: Path, capsys: pytest.CaptureFixture[str], lang: str = "en", *extra: str
) -> tuple[int, str]:
    capsys.readouterr()
    code = main(
        ["-C", str(root), "--lang", lang, "build", "--out", str(target), "--as-of", AS_OF, *extra]
    )
    return code, capsys.readouterr().err


def mkdir_failing(monkeypatch: pytest.MonkeyPatch, code: int, when: Callable[[Path], bool]) -> None:
    real = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if when(self) and not self.exists():  # mkdir of a folder that exists never fails
            raise oserror(code, self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_read_only_checkout_stops_the_build_with_a_message(
    repo: Path,
    out: Path,
    previous: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    # site/generated is made in the child process that writes the pages: the message comes back.
    generated = repo / "site" / "generated"
    mkdir_failing(monkeypatch, errno.EROFS, lambda p: p.is_relative_to(generated))
    code, err = build(repo, out, capsys, lang)
    assert code == 2, err
    assert str(generated) in err and WHY[errno.EROFS][lang == "zh"] in err
    assert (
        "build from a writable copy of the repository"
        if lang == "en"
        else "请在可写的仓库副本中构建"
    ) in err
    clean(err)
    assert files(out) == files(previous) and leftovers(out.parent, repo) == []


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_output_folder_that_cannot_be_written(
    repo: Path,
    out: Path,
    previous: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    lang: str,
) -> None:
    mkdir_failing(monkeypatch, code, lambda p: p.is_relative_to(out.parent))
    exit_code, err = build(repo, out, capsys, lang)
    assert exit_code == 2, err
    assert str(out) in err and WHY[code][lang == "zh"] in err
    assert (
        "pass --out to a writable folder" if lang == "en" else "用 --out 指定可写的文件夹"
    ) in err
    clean(err)
    assert files(out) == files(previous) and leftovers(out.parent) == []


def with_hook(monkeypatch: pytest.MonkeyPatch, hook: Path) -> None:
    """``hook/sitecustomize.py`` runs in the site engine's process (not in this one)."""
    paths = [str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))


SITECUSTOMIZE = """
import errno, os
import mkdocs.utils as u
_real, _count = u.write_file, [0]
def write_file(content, output_path):
    _count[0] += 1
    if _count[0] > 5:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _real(content, output_path)
u.write_file = write_file
"""


@pytest.mark.parametrize("incremental", [False, True])
def test_a_disk_that_fills_during_the_engine_build_keeps_the_previous_site(
    repo: Path,
    out: Path,
    previous: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    incremental: bool,
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    with_hook(monkeypatch, hook)
    extra = ("--incremental",) if incremental else ()
    code, err = build(repo, out, capsys, "en", *extra)
    assert code == 2, err
    assert f"cannot write {out}: the disk is full (ENOSPC)" in err
    assert "the previous site was left as it was" in err
    clean(err)
    assert files(out) == files(previous) and leftovers(out.parent) == []


@pytest.mark.parametrize("engine_fails", [False, True])
def test_a_parent_that_cannot_be_written_stages_inside_the_output_folder(
    repo: Path,
    out: Path,
    previous: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    engine_fails: bool,
) -> None:
    beside = f".{out.name}{sitedir.STAGE}"
    mkdir_failing(monkeypatch, errno.EACCES, lambda p: p.name.startswith(beside))
    if engine_fails:
        hook = tmp_path / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        with_hook(monkeypatch, hook)
        code, err = build(repo, out, capsys)
        assert code == 2 and "the disk is full (ENOSPC)" in err, err
        assert files(out) == files(previous) and leftovers(out.parent) == []
        return
    (out / "stale.html").write_text("from an older build", encoding="utf-8")
    code, err = build(repo, out, capsys)
    assert code == 0, err
    assert (out / "index.html").is_file() and (out / ".kesu-build.json").is_file()
    assert not (out / "stale.html").exists()  # replaced by the new build, as a full build does
    assert (out / ".nojekyll").is_file() and leftovers(out.parent) == []


def test_hidden_entries_stay_and_leftovers_of_killed_builds_go(
    repo: Path, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    dead = 2**22 + 17  # above every Linux pid_max default: no such process
    killed = out.parent / f".{out.name}{sitedir.STAGE}{dead}-0000"
    (killed / "half").mkdir(parents=True)
    running = out.parent / f".{out.name}{sitedir.STAGE}{os.getpid()}-1111"
    running.mkdir()
    code, err = build(repo, out, capsys)
    assert code == 0, err
    assert (out / ".git" / "HEAD").read_text(encoding="utf-8") == "ref: refs/heads/gh-pages\n"
    assert (out / ".nojekyll").is_file()
    assert not killed.exists() and running.exists()  # another build may still be using it
    running.rmdir()
    assert leftovers(out.parent) == []


@pytest.mark.parametrize(
    "where",
    [
        ".",
        "..",
        "records",
        "records/html",
        "attachments",
        "schema",
        "generator",
        "site",
        "site/public",
        ".git",
    ],
)
def test_out_is_refused_where_the_build_would_replace_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    root = site_repo(tmp_path / "repo")
    before = files(tmp_path)
    target = (root / where).resolve()
    for lang, said in (
        ("en", "a build replaces everything in it"),
        ("zh", "构建会替换其中的全部内容"),
    ):
        code, err = build(root, root / where, capsys, lang)
        assert code == 2, err
        assert f"--out {target}" in err and said in err
    assert files(tmp_path) == before  # nothing generated, nothing replaced


def test_out_is_refused_when_it_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = site_repo(tmp_path / "repo")
    (tmp_path / "public").write_text("a file", encoding="utf-8")
    code, err = build(root, tmp_path / "public", capsys)
    assert code == 2 and "is a file, not a folder" in err


# ------------------------------------------------------------------ real faults (unshare)


def _in_namespace(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``script`` (sh) run in a private mount namespace, as root of a user namespace."""
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = dict(os.environ, SOURCE_DATE_EPOCH=BUILD_EPOCH, PYTHONPATH=os.pathsep.join(paths))
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


KESU = f"{sys.executable} -m generator"


@needs_unshare
def test_a_real_read_only_checkout(
    repo: Path, out: Path, previous: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proc = _in_namespace(
        'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && '
        f'{KESU} -C "$1" --lang en build --out "$2" --as-of "{AS_OF}"',
        str(repo),
        str(out),
    )
    assert proc.returncode == 2, proc.stderr
    assert f"cannot write {repo}/site/generated: the file system is read-only (EROFS)" in (
        proc.stderr
    )
    clean(proc.stderr)
    assert files(out) == files(previous) and leftovers(out.parent, repo) == []


@needs_unshare
@pytest.mark.parametrize("mounted", ["parent", "output"])
def test_a_real_full_disk_during_the_engine_build(
    repo: Path, previous: Path, tmp_path: Path, mounted: str
) -> None:
    # A disk holding the previous site with 1.5 MB to spare: the new build runs out of space.
    # Mounted on the output folder itself, the staging folder is made inside it (a mount point
    # cannot be renamed).
    disk = tmp_path / "disk"
    target = disk / "public" if mounted == "parent" else disk
    target.mkdir(parents=True)
    size = sum(len(b) for b in files(previous).values())
    proc = _in_namespace(
        f'mount -t tmpfs -o size={size + 1_500_000} tmpfs "$1" && mkdir -p "$2" && '
        'cp -a "$3/." "$2" && '
        f'{KESU} -C "$4" --lang en build --out "$2" --as-of "{AS_OF}"; echo "rc=$?"; '
        'diff -r "$3" "$2" && echo same; ls -A "$1"',
        str(disk),
        str(target),
        str(previous),
        str(repo),
    )
    lines = proc.stdout.splitlines()
    assert "rc=2" in lines, proc.stdout + proc.stderr
    assert f"cannot write {target}: the disk is full (ENOSPC)" in proc.stderr
    clean(proc.stderr)
    assert "same" in lines  # the previous site, whole, and nothing else in it
    assert mounted == "output" or lines[-1] == "public"  # and nothing beside it
