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

    A configuration with a non-finite score (a repeat that diverged) can never be the best: it is
    marked `diverged`, counts as differing from the best, and its intervals cover its finite scores.
    Returns one row per configuration: mean and median intervals, `p_vs_best` (NaN for the best
    itself), and `differs_from_best` (adjusted p below 0.05).
    """
    finite = [label for label, values in samples.items() if np.all(np.isfinite(values))]
    best = min(finite, key=lambda label: np.mean(samples[label])) if finite else None
    others = [label for label in finite if label != best]
    raw = [stats.mannwhitneyu(samples[label], samples[best], alternative="two-sided").pvalue for label in others]
    adjusted = multipletests(raw, method="holm")[1] if raw else []
    p_values = dict(zip(others, adjusted))
    rows = []
    for label, values in samples.items():
        kept = values[np.isfinite(values)]
        mean_low, mean_high = bootstrap_interval(kept, np.mean)
        median_low, median_high = bootstrap_interval(kept, np.median)
        p_value = float(p_values.get(label, float("nan")))
        diverged = label not in finite
        rows.append(
            {"configuration": label, "mean_ci_low": mean_low, "mean_ci_high": mean_high, "median_ci_low": median_low,
             "median_ci_high": median_high, "best": label == best, "p_vs_best": p_value, "diverged": diverged,
             "differs_from_best": bool(diverged or p_value < SIGNIFICANCE)}
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("configuration")
