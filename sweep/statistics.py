"""Statistics beside describe(): bootstrap confidence intervals, and which differences are real.

Thirty noisy repeats per configuration make eyeballed means misleading; these say how sure we are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0  # fixed, so a summary is reproducible


def bootstrap_interval(values: np.ndarray, statistic) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic`; NaN for fewer than two distinct values."""
    if len(values) < 2 or np.ptp(values) == 0:
        return float("nan"), float("nan")
    result = stats.bootstrap(
        (values,), statistic, confidence_level=CONFIDENCE, n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED),
    )  # fmt: skip
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def compare_to_best(samples: dict[str, np.ndarray]) -> pd.DataFrame:
    """Each configuration against the one with the lowest mean: two-sided Mann-Whitney U, Holm-adjusted.

    Returns one row per configuration: mean and median intervals, `p_vs_best` (NaN for the best
    itself), and `differs_from_best` (adjusted p below 0.05).
    """
    best = min(samples, key=lambda label: np.mean(samples[label]))
    others = [label for label in samples if label != best]
    raw = [stats.mannwhitneyu(samples[label], samples[best], alternative="two-sided").pvalue for label in others]
    adjusted = multipletests(raw, method="holm")[1] if raw else []
    p_values = dict(zip(others, adjusted)) | {best: float("nan")}
    rows = []
    for label, values in samples.items():
        mean_low, mean_high = bootstrap_interval(values, np.mean)
        median_low, median_high = bootstrap_interval(values, np.median)
        rows.append(
            {"configuration": label, "mean_ci_low": mean_low, "mean_ci_high": mean_high, "median_ci_low": median_low,
             "median_ci_high": median_high, "best": label == best, "p_vs_best": float(p_values[label]),
             "differs_from_best": bool(p_values[label] < SIGNIFICANCE)}
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("configuration")
