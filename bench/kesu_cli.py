"""``python -m bench.kesu_cli …``: the ``kesu`` CLI with every command module loaded.

The benchmark runs ``python -m generator`` when that already offers a command. While a command
module (``generator/cmd_*.py``) is not yet registered in ``generator.cli``, it runs this
instead, which imports those modules first (each registers itself with ``@command``) and then
calls the same ``main``: the work measured is the same, one process per command.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import generator
from generator import cli


def load_all() -> None:
    for info in pkgutil.iter_modules(generator.__path__):
        if info.name == "commands" or info.name.startswith("cmd_"):
            importlib.import_module(f"generator.{info.name}")


if __name__ == "__main__":
    load_all()
    raise SystemExit(cli.main(sys.argv[1:]))
