"""`python -m sweep.submit`: the same as `lstm-sweep submit` (sweep/cli/submit.py)."""

import sys

from sweep.cli.submit import main

if __name__ == "__main__":
    sys.exit(main())
