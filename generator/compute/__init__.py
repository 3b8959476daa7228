"""Stage 3, compute: facts derived from records, policy and history (never words)."""

# Until the stage packages land (issue 13), the old ``generator.compute`` names stay importable
# from here; ``records`` is the former flat ``generator/compute.py``.
from generator.compute.records import (
    SCHEMA_VERSION,
    ApprovalStatus,
    Computed,
    GradeResult,
    MilestoneResult,
    Penalty,
    PenaltyTotal,
    Reason,
    compute_all,
    compute_grades,
    explain,
    export_json,
    next_reopen_id,
    penalty_totals,
    received_at,
    to_json,
)

__all__ = [
    "SCHEMA_VERSION",
    "ApprovalStatus",
    "Computed",
    "GradeResult",
    "MilestoneResult",
    "Penalty",
    "PenaltyTotal",
    "Reason",
    "compute_all",
    "compute_grades",
    "explain",
    "export_json",
    "next_reopen_id",
    "penalty_totals",
    "received_at",
    "to_json",
]
