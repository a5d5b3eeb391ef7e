"""`python -m sweep.run`: the same as `lstm-sweep run` (sweep/cli/run.py)."""

import sys

from sweep.cli.run import main

if __name__ == "__main__":
    sys.exit(main())
