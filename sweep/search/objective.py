"""A statistic of a point's repeats (`search.objective`): what Optuna minimises and the search line reports."""

from __future__ import annotations

import numpy as np
import pandas as pd


def objective(scores: pd.Series, statistic: str) -> float:
    """`search.objective` of a point's repeats, each repeat's score its mean over series and origins
    (`scores` indexed by repeat); inf when a repeat diverged."""
    per_repeat = scores.groupby(level=0).mean()
    if not np.all(np.isfinite(per_repeat)):
        return float("inf")
    if statistic == "mean":
        return float(per_repeat.mean())
    if statistic == "median":
        return float(per_repeat.median())
    return float(np.percentile(per_repeat, int(statistic.removeprefix("p"))))
