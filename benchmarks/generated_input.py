"""Many more generated hostile inputs than the suite runs: the suite's Hypothesis tests under the `long` profile
(5,000 examples each, a fresh random seed every run; the suite runs 60, derandomised).

    python benchmarks/generated_input.py            # ~2 min on one core

A failure prints Hypothesis's smallest failing example; add it to the test as an `@example` once it is fixed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/unit/config/test_generated_configs.py", "tests/unit/data/test_generated_files.py"]

if __name__ == "__main__":
    os.environ["HYPOTHESIS_PROFILE"] = "long"
    os.chdir(ROOT)
    sys.exit(pytest.main(["-p", "no:xdist", "-o", "addopts=", "-q", "--hypothesis-show-statistics", *TESTS]))
