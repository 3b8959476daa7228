"""The Chinese names the schemas give enum values in their descriptions
(``quality 质量；delivery 交期`` or ``人 man、机 machine``): one parser for the site's labels
(``render.labels``) and the validator's messages (``load.schemamsg``)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def enum_names(description: str, values: Iterable[object]) -> dict[str, str]:
    """Value → the Chinese name written beside it in ``description`` (values without one are
    left out)."""
    out: dict[str, str] = {}
    for value in values:
        m = re.search(rf"(?<![A-Za-z_]){re.escape(str(value))}\s+([^；;，,。（(\s]+)", description)
        if m:
            out[str(value)] = m.group(1)
            continue
        # "人 man、机 machine": the label stands before the value.
        m = re.search(rf"([^\s、；;，,。]+)\s+{re.escape(str(value))}(?![A-Za-z_])", description)
        if m:
            out[str(value)] = m.group(1)
    return out
