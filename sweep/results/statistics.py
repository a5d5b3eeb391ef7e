"""Statistics beside describe(): bootstrap confidence intervals, and which differences are real.

Thirty noisy repeats per configuration make eyeballed means misleading; these say how sure we are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sweep.results.verdicts import ROBUST_QUANTILE, SIGNIFICANCE, holm_of_finite

CONFIDENCE = 0.95
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


def stratified_bootstrap_interval(groups: list[np.ndarray], statistic) -> tuple[float, float]:
    """Percentile bootstrap resampling within each group (origin), which stays fixed; NaN if nothing varies.

    `statistic` is applied along the last axis (np.mean, np.median).
    """
    if all(len(group) < 2 or np.ptp(group) == 0 for group in groups):
        return float("nan"), float("nan")
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    resampled = np.concatenate([group[rng.integers(0, len(group), (BOOTSTRAP_RESAMPLES, len(group)))] for group in groups], axis=1)
    values = statistic(resampled, axis=-1)
    tail = (1 - CONFIDENCE) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def van_elteren(a: pd.Series, b: pd.Series) -> float:
    """Two-sided p-value of van Elteren's stratified rank-sum test: Wilcoxon-Mann-Whitney within each
    origin (the index), combined with weights 1/(n+1) across origins; normal approximation, tie-corrected.

    Pairing by origin removes the origins' common difficulty; the seeds within an origin are the noise.
    """
    statistic = expected = variance = 0.0
    for origin in np.intersect1d(a.index.unique(), b.index.unique()):
        x, y = np.atleast_1d(a.loc[origin].to_numpy()), np.atleast_1d(b.loc[origin].to_numpy())
        n, m = len(x), len(y)
        total = n + m
        ranks = stats.rankdata(np.concatenate([x, y]))
        _, tie_sizes = np.unique(np.concatenate([x, y]), return_counts=True)
        ties = float(np.sum(tie_sizes**3 - tie_sizes)) / (total * (total - 1))
        weight = 1 / (total + 1)
        statistic += weight * ranks[:n].sum()
        expected += weight * n * (total + 1) / 2
        variance += weight**2 * n * m / 12 * ((total + 1) - ties)
    if variance == 0:
        return 1.0
    return float(2 * stats.norm.sf(abs(statistic - expected) / np.sqrt(variance)))


def paired_p_value(a: pd.Series, b: pd.Series) -> float:
    """Two-sided p-value of a difference between two sets of scores indexed by origin.

    Repeats at one origin: Mann-Whitney U. Repeats at several: van Elteren, stratified by origin. A
    deterministic method (a baseline: one score per origin) against repeats: Wilcoxon signed-rank of
    each repeat's score minus the baseline's at its origin. Two deterministic methods: signed-rank of
    their per-origin differences, needing two origins (NaN otherwise: nothing to test).
    """
    a_fixed, b_fixed = not a.index.has_duplicates, not b.index.has_duplicates
    if a_fixed and b_fixed:
        differences = (a - b).dropna()
        if len(differences) < 2:
            return float("nan")
        return 1.0 if np.all(differences == 0) else float(stats.wilcoxon(differences).pvalue)
    if a_fixed or b_fixed:
        repeats, fixed, sign = (b, a, -1) if a_fixed else (a, b, 1)
        differences = sign * (repeats - fixed.reindex(repeats.index)).dropna()
        return 1.0 if np.all(differences == 0) else float(stats.wilcoxon(differences).pvalue)
    if a.index.nunique() == 1:
        return float(stats.mannwhitneyu(a.to_numpy(), b.to_numpy(), alternative="two-sided").pvalue)
    return van_elteren(a, b)


def conditional_power(p_value: float, fraction: float, comparisons: int = 1) -> float:
    """The chance that a test at the full sample calls a difference (two-sided, Bonferroni over `comparisons`),
    if the difference seen so far (`p_value` at `fraction` of the full sample) is the true one.

    Brownian-motion form of the z statistic (Lan & Wittes 1988, "current trend"); 0 at the full sample,
    where nothing more can change, and for an untestable pair (NaN p-value).
    """
    if not np.isfinite(p_value) or fraction >= 1:
        return 0.0
    so_far = stats.norm.isf(p_value / 2)
    critical = stats.norm.isf(SIGNIFICANCE / (2 * comparisons))
    return float(stats.norm.sf((critical - so_far / np.sqrt(fraction)) / np.sqrt(1 - fraction)))


def spread_by_source(scores: pd.Series) -> tuple[float, float]:
    """(seed sd, origin sd): the typical spread over seeds within an origin, and of the origins' means."""
    by_origin = scores.groupby(level=0)
    seed_variance = by_origin.var(ddof=1).mean()
    origin_sd = by_origin.mean().std(ddof=1) if by_origin.ngroups > 1 else float("nan")
    return float(np.sqrt(seed_variance)), float(origin_sd)


def versus_best(samples: dict[str, pd.Series]) -> pd.DataFrame:
    """Each sample against the one with the lowest mean (`paired_p_value`), Holm-adjusted: the verdicts alone,
    without `compare_to_best`'s intervals, for a race that asks every round. A sample with a non-finite
    score (a repeat that diverged) can never be the best and counts as differing from it."""
    finite = [label for label, values in samples.items() if np.all(np.isfinite(values))]
    best = min(finite, key=lambda label: np.mean(samples[label])) if finite else None
    others = [label for label in finite if label != best]
    raw = {label: paired_p_value(samples[label], samples[best]) for label in others}
    adjusted = holm_of_finite(raw)
    tested = list(adjusted)
    frame = pd.DataFrame(index=pd.Index(list(samples), name="configuration"))
    frame["best"] = frame.index == best
    frame["p_vs_best"] = [float(adjusted.get(label, float("nan"))) for label in frame.index]
    frame["p_unadjusted"] = [float(raw.get(label, float("nan"))) for label in frame.index]
    frame["diverged"] = ~frame.index.isin(finite)
    frame["differs_from_best"] = frame["diverged"] | (frame["p_vs_best"] < SIGNIFICANCE)
    frame["tested"] = frame["best"] | frame.index.isin(tested)
    return frame


def as_origin_series(values: np.ndarray | pd.Series) -> pd.Series:
    """A sample as scores indexed by origin: an array is repeats at one origin (0)."""
    return values if isinstance(values, pd.Series) else pd.Series(values, index=np.zeros(len(values), int))


def compare_to_best(samples: dict[str, np.ndarray | pd.Series]) -> pd.DataFrame:
    """Each configuration (or baseline) against the one with the lowest mean (`versus_best`), with mean and
    median intervals (bootstrap within origins), the spread over seeds and over origins, and the 90th percentile.

    A sample is an array of repeats at one origin, or a Series of scores indexed by origin. Returns one
    row per configuration: `p_vs_best` (Holm-adjusted; NaN for the best itself, or where nothing can be
    tested; before Holm: `p_unadjusted`), `differs_from_best` (adjusted p below 0.05, or diverged), the
    intervals of its finite scores, `seed_sd`, `origin_sd` and `p90`.
    """
    samples = {label: as_origin_series(values) for label, values in samples.items()}
    verdicts = versus_best(samples)
    rows = []
    for values in samples.values():
        kept = values[np.isfinite(values)]
        origins = [group.to_numpy() for _, group in kept.groupby(level=0)]
        interval = bootstrap_interval if len(origins) <= 1 else stratified_bootstrap_interval
        groups = kept.to_numpy() if len(origins) <= 1 else origins
        mean_low, mean_high = interval(groups, np.mean)
        median_low, median_high = interval(groups, np.median)
        seed_sd, origin_sd = spread_by_source(kept)
        rows.append(
            {"mean_ci_low": mean_low, "mean_ci_high": mean_high, "median_ci_low": median_low, "median_ci_high": median_high,
             "seed_sd": seed_sd, "origin_sd": origin_sd, "p90": float(np.percentile(kept, ROBUST_QUANTILE)) if len(kept) else float("nan")}
        )  # fmt: skip
    intervals = pd.DataFrame(rows, index=verdicts.index)
    columns = ["mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high", "best", "p_vs_best", "p_unadjusted", "diverged",
               "differs_from_best", "tested", "seed_sd", "origin_sd", "p90"]  # fmt: skip
    return verdicts.join(intervals)[columns]
