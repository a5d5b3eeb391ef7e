"""Seed ensembles scored as delivered: `forecast` hands a user the median of a configuration's repeats, so the tables say
how good that median is, beside the single repeats the protocol scores.

For each configuration, series and origin, the median over k of its repeats' forecasts is scored by the sweep's metric
(MASE for an interval metric, as the by-step table) on exactly the forecasts a repeat's score covers: k = 1 is the mean
single repeat (every repeat, no sampling), k = the repeats run is the one ensemble `forecast` delivers, and each size
between (5, 10, 30 where fewer than all) the mean over `DRAWS` random draws of k repeats (a fixed generator per series:
the same numbers on every run, whichever series are summarised together). `ensemble_gain` is how much lower the whole
ensemble's score is than the mean single repeat's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.data.grouping import rows_by_group
from sweep.planning.plan import SweepPlan
from sweep.results.columns import point_columns, with_axis_types
from sweep.results.horizons import step_metric
from trainables import forecast_scores, point_label, score_column, seasonal_naive_scale

ENSEMBLE_SIZES = (1, 5, 10, 30)
DRAWS = 20


def ensemble_scores(
    forecasts: pd.DataFrame, plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, metric: str,
    trials: pd.DataFrame | None = None,
) -> pd.DataFrame:  # fmt: skip
    """ensembles.csv: one row per (series, study, point, origin, k) with `repeats` (how many the configuration ran there)
    and the score of the median of k repeats' forecasts. A repeat that forecast a non-finite value somewhere (its rows
    are not in forecasts.parquet) leaves the median there non-finite, as `forecast`'s median would be: the score is NaN.
    `trials`: the completed repeats each configuration should have (a repeat with no finite forecast at all counts)."""
    metric, columns = step_metric(metric), list(no_ensembles(plan, metric).columns)
    keys = ["unique_id", "study", *plan.axis_names, "origin"]
    needed = forecasts[[*keys, "repeat", "cutoff_index", "h", "forecast", "y"]]  # the columns it reads, not a copy of every one
    configurations = needed[forecasts["baseline"].isna()] if forecasts["baseline"].notna().any() else needed
    if configurations.empty:
        return no_ensembles(plan, metric)
    expected = _completed_repeats(trials, keys) if trials is not None else {}
    rows, generators = [], {}
    for key, group in _groups(configurations, keys):
        if key[0] not in generators:  # each series its own generator: the same draws however the series are chunked
            generators[key[0]] = np.random.default_rng(0)
        rng = generators[key[0]]
        table = group.pivot(index=["cutoff_index", "h"], columns="repeat", values="forecast")
        repeats = max(table.shape[1], expected.get(key, 0))
        members = np.full((repeats, len(table)), np.nan)
        members[: table.shape[1]] = table.to_numpy(dtype=np.float64).T
        actual = group.groupby(["cutoff_index", "h"])["y"].first().reindex(table.index).to_numpy(dtype=np.float64)
        origin = plan.origins[key[0]][key[-1]]
        scale = seasonal_naive_scale(series_values[key[0]][origin.start : origin.test_start], season)
        for size in sorted({size for size in ENSEMBLE_SIZES if size < repeats} | {repeats}):
            score = _median_score(members, actual, scale, size, rng)[metric]
            rows.append(dict(zip(["series", *keys[1:]], key)) | {"k": size, "repeats": repeats, metric: score})
    return with_axis_types(pd.DataFrame(rows, columns=columns), counts=["k", "repeats"])


def no_ensembles(plan: SweepPlan, metric: str) -> pd.DataFrame:
    """ensembles.csv's columns, without a row (a sweep whose configurations forecast nothing)."""
    return pd.DataFrame(columns=["series", "study", *plan.axis_names, "origin", "k", "repeats", step_metric(metric)])


def _groups(frame: pd.DataFrame, keys: list[str]):
    """(key, rows) of each group, in `groupby(sort=True)`'s order, each taken when its turn comes: iterating the
    groupby itself would first reorder a copy of the whole frame (millions of rows)."""
    grouped = frame.groupby(keys, sort=True, dropna=False)
    for rows in rows_by_group(grouped.ngroup().to_numpy(), grouped.ngroups):
        group = frame.iloc[rows]
        yield tuple(group[keys].iloc[0]), group


def _completed_repeats(trials: pd.DataFrame, keys: list[str]) -> dict[tuple, int]:
    completed = with_axis_types(trials[trials["status"] == "completed"].rename(columns={"series": "unique_id"}))
    return completed.groupby(keys, sort=False)["repeat"].nunique().to_dict()


def _median_score(members: np.ndarray, actual: np.ndarray, scale: float, size: int, rng: np.random.Generator) -> dict[str, float]:
    if size == 1:
        ensembles = members
    elif size == len(members):
        ensembles = np.median(members, axis=0, keepdims=True)
    else:
        draws = np.array([rng.choice(len(members), size, replace=False) for _ in range(DRAWS)])
        ensembles = np.median(members[draws], axis=1)
    return {name: float(np.mean(values)) for name, values in forecast_scores(actual, ensembles, scale).items()}


def scored_as_ensembles(trials: pd.DataFrame, ensembles: pd.DataFrame, metric: str) -> pd.DataFrame:
    """With `evaluation.score: ensemble`: the trials frame as decisions read it. Each configuration's completed repeats
    at a series and origin become one row (`repeat` 0) holding its whole ensemble's score there; failed and stopped
    repeats stay as they are (counted, never scored). Every statistic then compares one score per origin, as for a
    baseline: signed-rank tests of per-origin differences, no bootstrap interval, no seed noise left to average."""
    score = score_column(metric)
    keys = ["series", "study", *point_columns(trials), "origin"]
    whole = with_axis_types(ensembles[ensembles["k"] == ensembles["repeats"]].rename(columns={metric: score}))
    completed = trials[trials["status"] == "completed"].drop_duplicates(keys).drop(columns=score)
    scored = completed.merge(whole[[*keys, score]], on=keys, how="left").assign(repeat=0)[trials.columns]
    return pd.concat([scored, trials[trials["status"] != "completed"]], ignore_index=True)


def ensemble_gains(ensembles: pd.DataFrame, axis_names: list[str], metric: str) -> pd.DataFrame:
    """Per (series, study, point): the whole ensemble's score over origins (`ensemble`) and its gain over the mean single
    repeat in percent (`ensemble_gain`)."""
    metric = step_metric(metric)
    keys = ["series", "study", *axis_names]
    whole = ensembles[ensembles["k"] == ensembles["repeats"]].groupby(keys, sort=False)[metric].mean()
    single = ensembles[ensembles["k"] == 1].groupby(keys, sort=False)[metric].mean()
    return pd.DataFrame({"ensemble": whole, "ensemble_gain": 100 * (1 - whole / single)}).reset_index()


def with_ensembles(summary: pd.DataFrame, gains: pd.DataFrame, axis_names: list[str]) -> pd.DataFrame:
    """summary.csv with each configuration's `ensemble` and `ensemble_gain` (a baseline's row has neither)."""
    if gains.empty:
        return summary.assign(ensemble=np.nan, ensemble_gain=np.nan)
    return summary.merge(gains, on=["series", "study", *axis_names], how="left")


def with_ensemble_rows(table: pd.DataFrame, gains: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """A study's table (one series) with two rows more: each configuration's whole-ensemble score and gain (percent)."""
    if table.empty or gains.empty:
        return table
    labels = [point_label(point, axes) for point in gains[axes].to_dict("records")]
    rows = gains.set_axis(labels)[["ensemble", "ensemble_gain"]].T.reindex(columns=table.columns)
    rows.index = ["ensemble (median of repeats)", "ensemble gain (%)"]
    return pd.concat([table, rows])
