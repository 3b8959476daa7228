"""Golden files fail when missing or different, and only the update flag writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.goldens import UPDATE_GOLDEN, assert_golden
from tests.site_fixtures import GOLDEN


def test_a_missing_golden_fails_and_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE_GOLDEN, raising=False)
    golden = tmp_path / "page.md"
    with pytest.raises(pytest.fail.Exception, match="missing: write it with KESU_UPDATE_GOLDEN=1"):
        assert_golden("# page\n", golden)
    assert not golden.exists()


def test_a_different_golden_fails_and_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UPDATE_GOLDEN, raising=False)
    golden = tmp_path / "page.md"
    golden.write_text("# old\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="regenerate with KESU_UPDATE_GOLDEN=1"):
        assert_golden("# new\n", golden)
    assert golden.read_text(encoding="utf-8") == "# old\n"
    assert_golden("# old\n", golden)


@pytest.mark.parametrize("flag", [UPDATE_GOLDEN, "KESU_UPDATE_EXPECTED"])
def test_the_update_flag_writes_the_golden(
    flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = tmp_path / "new" / "page.md"
    monkeypatch.setenv(flag, "0")
    with pytest.raises(pytest.fail.Exception):
        assert_golden("# page\n", golden, flag)
    monkeypatch.setenv(flag, "1")
    assert_golden("# page\n", golden, flag)
    assert golden.read_text(encoding="utf-8") == "# page\n"


def test_the_site_goldens_are_committed() -> None:
    """The pages tests/test_site_golden.py compares exist (it fails, not writes, without them)."""
    from tests.test_site_golden import PAGES

    assert sorted(p.name for p in GOLDEN.glob("*.md")) == sorted(PAGES)
