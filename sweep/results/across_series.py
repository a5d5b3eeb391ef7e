"""Across a catalogue of series: which configuration (or baseline) holds up on most of them.

A method's score on a series is its mean of the sweep's metric over repeats and origins (a baseline:
over origins); choose a scale-free metric (MASE, sMAPE) so that series weigh alike. Methods are
ranked within each series (1 = best), and judged as forecasting competitions judge them: mean and
median score, mean rank, series won. Friedman's test asks whether any mean ranks differ; the
post-hoc test compares every pair by Wilcoxon's signed-rank test over series, Holm-adjusted over all
pairs (Benavoli, Corani & Mangili 2016 advise this over mean-rank tests, whose verdict on two
methods depends on which others are in the race). The best is the lowest mean rank.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sweep.results.columns import BASELINE_SUFFIX, configuration_labels, points_by_label, varying_axes, with_axis_types
from sweep.results.statistics import paired_p_value
from sweep.results.verdicts import Verdict, holm_of_finite, verdict
from trainables import Point, score_column

ACROSS_ROWS = ["mean", "median", "mean rank", "series won", "p vs best (Holm)", "vs best"]


def series_scores(trials: pd.DataFrame, baselines: pd.DataFrame | None, study: str, metric: str) -> pd.DataFrame:
    """Series x method: each configuration's mean score per series (inf where a repeat diverged or none
    completed), then each baseline's; configurations labelled by the axes the study varies."""
    score = score_column(metric)
    members = trials[trials["study"] == study]
    labels = configuration_labels(members, varying_axes(members))
    completed = members["status"] == "completed"
    means = members[completed].groupby([members["series"], labels])[score].agg(finite_mean).unstack()
    scores = means.reindex(index=list(dict.fromkeys(members["series"])), columns=list(dict.fromkeys(labels))).fillna(np.inf)
    if baselines is not None and not baselines.empty:
        done = baselines[baselines["status"] == "completed"]
        fixed = done.groupby(["series", "baseline"], sort=False)[score].mean().unstack()
        fixed.columns = [f"{name}{BASELINE_SUFFIX}" for name in fixed.columns]
        scores = scores.join(fixed.reindex(scores.index)).fillna(np.inf)
    scores.index.name, scores.columns.name = "series", "/".join(varying_axes(members))
    return scores


def finite_mean(values: pd.Series) -> float:
    return float(values.mean()) if np.all(np.isfinite(values)) else np.inf


def compare_across(scores: pd.DataFrame) -> tuple[pd.DataFrame, float, pd.DataFrame]:
    """(one row per method, Friedman's p-value, the pairwise Holm-adjusted p-values).

    A method with a non-finite score on some series ranks last there and is left out of the tests
    (`diverged`); Friedman needs three methods and two series, the pairwise tests two series (NaN
    otherwise: `untested`).
    """
    ranks = scores.rank(axis=1, method="average")
    finite = [method for method in scores.columns if np.all(np.isfinite(scores[method]))]
    mean_ranks = ranks.mean()
    best = min(finite, key=lambda method: (mean_ranks[method], scores[method].mean())) if finite else None
    pairwise = pairwise_p_values(scores[finite])
    friedman = float("nan")
    if len(finite) >= 3 and len(scores) >= 2 and scores[finite].nunique(axis=1).gt(1).any():
        friedman = float(stats.friedmanchisquare(*(scores[method].to_numpy() for method in finite)).pvalue)
    wins = ranks.eq(ranks.min(axis=1), axis=0).sum()
    rows = []
    for method in scores.columns:
        p_value = pairwise.loc[method, best] if best is not None and method in finite and method != best else float("nan")
        rows.append({
            "method": method, "baseline": method.endswith(BASELINE_SUFFIX), "mean": scores[method].mean(),
            "median": scores[method].median(), "mean_rank": mean_ranks[method], "series_won": int(wins[method]),
            "p_vs_best": p_value, "verdict": str(verdict(method == best, method not in finite, p_value)),
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("method"), friedman, pairwise


def pairwise_p_values(scores: pd.DataFrame) -> pd.DataFrame:
    """Every pair's signed-rank p-value over series, Holm-adjusted over all pairs; 1 on the diagonal."""
    methods = list(scores.columns)
    pairs = list(itertools.combinations(methods, 2))
    raw = {pair: paired_p_value(scores[pair[0]], scores[pair[1]]) for pair in pairs}
    adjusted = holm_of_finite(raw)
    matrix = pd.DataFrame(1.0, index=methods, columns=methods)
    for first, second in pairs:
        matrix.loc[first, second] = matrix.loc[second, first] = adjusted.get((first, second), float("nan"))
    return matrix


def across_table(comparison: pd.DataFrame, axes_label: str) -> pd.DataFrame:
    """The printed shape: one column per method (configurations, then baselines), `ACROSS_ROWS` as rows."""
    table = comparison[["mean", "median", "mean_rank", "series_won", "p_vs_best", "verdict"]].T.astype(object)
    table.index = ACROSS_ROWS
    table.columns.name = axes_label
    return table


def across_frame(trials: pd.DataFrame, comparison: pd.DataFrame, study: str, friedman: float) -> pd.DataFrame:
    """across_series.csv's rows for one study: the comparison with each configuration's point columns."""
    points = pd.DataFrame.from_dict(points_by_label(trials, study), orient="index")
    frame = with_axis_types(comparison.join(points).reset_index().assign(study=study, friedman_p=friedman))
    return frame[["study", "method", "baseline", *points.columns, *comparison.columns.drop("baseline"), "friedman_p"]]


@dataclass(frozen=True)
class AcrossSeries:
    """One study judged across the catalogue."""

    scores: pd.DataFrame  # series x method: mean score
    comparison: pd.DataFrame  # one row per method (`compare_across`)
    friedman_p: float
    pairwise: pd.DataFrame  # method x method: Holm-adjusted signed-rank p-values


def across_series(trials: pd.DataFrame, baselines: pd.DataFrame | None, study: str, metric: str) -> AcrossSeries:
    scores = series_scores(trials, baselines, study, metric)
    comparison, friedman, pairwise = compare_across(scores)
    return AcrossSeries(scores, comparison, friedman, pairwise)


def lowest_mean_rank_point(trials: pd.DataFrame, study: str, metric: str) -> Point | None:
    """The study's configuration with the lowest mean rank across series (finite scores on every one); None if none."""
    comparison, _, _ = compare_across(series_scores(trials, None, study, metric))
    best = comparison.index[comparison["verdict"] == Verdict.BEST]
    if best.empty:
        return None
    return points_by_label(trials, study)[best[0]]
