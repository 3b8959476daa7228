"""The command table: every ``kesu`` sub-command, in the order ``kesu --help`` lists them.

A new command: write its ``_setup_x`` (the parser) and ``cmd_x`` (the run) in the module of
its stage under ``generator/cli/``, add it to that module's ``COMMANDS``, and it is here.
"""

from __future__ import annotations

from generator.cli import calendar, git, importing, records, report, site
from generator.cli.options import Command

COMMANDS: dict[str, Command] = {
    entry.name: entry
    for module in (records, report, site, git, calendar, importing)
    for entry in module.COMMANDS
}
