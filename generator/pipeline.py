"""load → validate → compute, composed once for every command that needs them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.config import RepoConfig
from generator.validate import ValidationResult, validate_repository


def validate_with_policy(config: RepoConfig, paths: Sequence[Path] = ()) -> ValidationResult:
    """Everything ``kesu validate`` reports."""
    return validate_repository(config, paths)
