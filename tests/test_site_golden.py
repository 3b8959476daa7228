"""Golden pages: the ledger, one 8D report and one weekly summary of the fixture repository.

Regenerate after an intended change with ``KESU_UPDATE_GOLDEN=1 pytest tests/test_site_golden.py``
and review the diff of tests/golden/ before committing; a missing golden page fails.
"""

from __future__ import annotations

import io

import pytest

from tests.goldens import assert_golden
from tests.site_fixtures import AS_OF, BUILD_EPOCH, GOLDEN, site_repo

PAGES = {
    "ledger-2026.md": "generated/ledger/2026.md",
    "record-KS-2025-0001.md": "generated/records/KS-2025-0001.md",
    "record-KS-2026-0001.md": "generated/records/KS-2026-0001.md",
    "weekly-2026-W11.md": "generated/weekly/2026-W11.md",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import os

    from generator.config.settings import load_config
    from generator.render import render_site
    from generator.site.build import compute_site

    root = site_repo(tmp_path_factory.mktemp("golden"))
    config, _ = load_config(root)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = BUILD_EPOCH
    try:
        site = compute_site(config, AS_OF, "zh", strict=True, out=io.StringIO())
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    assert site is not None
    return {p.path: p.content for p in render_site(site, {}) if isinstance(p.content, str)}


@pytest.mark.parametrize("golden", sorted(PAGES))
def test_golden_page(rendered: dict[str, str], golden: str) -> None:
    assert_golden(rendered[PAGES[golden]], GOLDEN / golden)
