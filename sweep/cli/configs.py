"""List the shipped configs, one line each: what each sweep asks.

    $ lstm-sweep configs

Any of them runs by its bare name (`lstm-sweep run --config backtest.yaml`), and is a starting point
to copy for your own data.
"""

from __future__ import annotations

import argparse
import sys

from sweep.config.loading import CONF_DIR


def summary(text: str) -> str:
    """A config's first comment line: what the sweep asks."""
    comments = [line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")]
    return comments[0] if comments else ""


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="lstm-sweep configs", description=__doc__.split("\n\n")[0]).parse_args(argv)
    shipped = sorted(CONF_DIR.glob("*.yaml"))
    width = max(len(path.name) for path in shipped)
    for path in shipped:
        print(f"{path.name:<{width}}  {summary(path.read_text())}")
    print(f"\n(in {CONF_DIR}; run one with: lstm-sweep run --config NAME --smoke, then without --smoke)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
