"""`python -m sweep.forecast`: the same as `lstm-sweep forecast` (sweep/cli/forecast.py)."""

import sys

from sweep.cli.forecast import main

if __name__ == "__main__":
    sys.exit(main())
