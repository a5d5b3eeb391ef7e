"""One vocabulary for verdicts, and one name for each rule that picks a winner.

- `Verdict`: what a table says of each method against the study's reference: `best`, `tie`, `worse`,
  `diverged` (a repeat gave a non-finite score: never the reference), `untested` (nothing to test).
- The reference ("best") of a study on one series is the **lowest mean** (`lowest_mean_point`); across a
  catalogue it is the **lowest mean rank** (`lowest_mean_rank_point`); the **robust choice** is, among the
  configurations tied with the lowest mean, the one with the lowest `ROBUST_QUANTILE`th percentile.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

SIGNIFICANCE = 0.05  # a Holm-adjusted p-value below this is a real difference
ROBUST_QUANTILE = 90  # the robust choice: of the configurations tied with the best, the lowest 90th percentile


class Verdict(StrEnum):
    BEST = "best"
    TIE = "tie"
    WORSE = "worse"
    DIVERGED = "diverged"
    UNTESTED = "untested"


def verdict(is_reference: bool, diverged: bool, p_value: float) -> Verdict:
    """The one rule: the reference is best; a diverged method can be nothing else; without a p-value, untested."""
    if is_reference:
        return Verdict.BEST
    if diverged:
        return Verdict.DIVERGED
    if not np.isfinite(p_value):
        return Verdict.UNTESTED
    return Verdict.WORSE if p_value < SIGNIFICANCE else Verdict.TIE


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the given order.

    statsmodels' `multipletests(method="holm")` gives the same numbers but calls `gc.collect()` on every
    call: 0.12 s each in a driver holding Ray and TensorFlow, 8.5 of the 23 s a 22-series summary took.
    """
    p_values = np.asarray(p_values, dtype=float)
    order = np.argsort(p_values, kind="stable")
    stepped = np.maximum.accumulate((len(p_values) - np.arange(len(p_values))) * p_values[order])
    adjusted = np.empty_like(p_values)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def holm_of_finite(raw: dict) -> dict:
    """Holm over the finite p-values of `raw` (key -> p-value); keys without one are left out (untested)."""
    tested = [key for key, value in raw.items() if np.isfinite(value)]
    return dict(zip(tested, holm([raw[key] for key in tested])))


def verdicts_of(statistics: pd.DataFrame) -> pd.Series:
    """`verdict` of every row of a `compare_to_best` frame."""
    return pd.Series(
        [verdict(row.best, row.diverged, row.p_vs_best if row.tested and not row.best else float("nan"))
         for row in statistics.itertuples()],
        index=statistics.index, dtype=object,
    )  # fmt: skip
