"""compute_all pauses the cyclic collector for its pass and always restores it."""

from __future__ import annotations

import gc
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from generator.compute import compute_all
from generator.config import RepoConfig
from generator.pipeline import make_calendar
from generator.policy import load_policy
from tests.conftest import REPO


def test_collector_state_is_restored_even_on_error() -> None:
    policy, _ = load_policy(RepoConfig(root=REPO))
    assert policy is not None
    cal = make_calendar(RepoConfig(root=REPO))
    assert gc.isenabled()
    compute_all([], policy, cal, datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert gc.isenabled()
    with pytest.raises(ValueError, match="time zone"):
        compute_all([], policy, cal, datetime(2026, 1, 1))
    assert gc.isenabled()
    gc.disable()
    try:
        compute_all([], policy, cal, datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
