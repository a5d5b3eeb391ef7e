"""`lstm-sweep run | submit | forecast | configs`: the installed console command; each subcommand is `python -m sweep.<name>`."""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "run": ("sweep.cli.run", "run a sweep on a local Ray or a cluster you are on"),
    "submit": ("sweep.cli.submit", "submit a sweep to a running Ray cluster as a Ray job"),
    "forecast": ("sweep.cli.forecast", "train a sweep's best configuration on all the data and forecast ahead"),
    "configs": ("sweep.cli.configs", "list the shipped configs, one line each"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        listed = "\n".join(f"  {name:<9} {summary}" for name, (_, summary) in COMMANDS.items())
        print(f"usage: lstm-sweep {{{','.join(COMMANDS)}}} ...\n\n{listed}\n\nlstm-sweep COMMAND --help says more", file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(COMMANDS[argv[0]][0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
