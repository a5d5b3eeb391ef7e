"""Scores by horizon step: how each configuration and baseline degrades from one step ahead to `evaluation.horizon`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.planning.plan import SweepPlan
from trainables import METRICS, seasonal_naive_scale, typed_point

METHOD = "method"  # a configuration ("study: axis value, ...") or a baseline's name


def step_metric(metric: str) -> str:
    """The metric of the by-step table: the sweep's, or MASE for an interval metric (its intervals are calibrated on
    a forecaster's errors at every step together, so it has no one-step-at-a-time form)."""
    return metric if metric in METRICS else "mase"


def step_scores(
    forecasts: pd.DataFrame, plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, metric: str,
    varying: dict[str, list[str]] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per (series `unique_id`, method, repeat, origin, h): `metric` over the cutoffs whose step h is in the test window.

    `forecast_scores`' formulas, as grouped means over every kept forecast at once (a sweep keeps millions). MASE is
    scaled as everywhere else, by the origin's training window. Baselines have no repeat (-1 here). `varying`: as
    `method_labels`.
    """
    keys = ["unique_id", METHOD, "repeat", "origin", "h"]
    frame = forecasts[["unique_id", "origin", "h"]].assign(  # the key columns it reads, not a copy of every one
        **{METHOD: method_labels(forecasts, plan.axis_names, varying), "repeat": forecasts["repeat"].fillna(-1).astype(int)}
    )
    actual, forecast = forecasts["y"].to_numpy(dtype=np.float64), forecasts["forecast"].to_numpy(dtype=np.float64)
    errors, magnitude = forecast - actual, np.abs(actual) + np.abs(forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(magnitude == 0, 0.0, 2 * np.abs(errors) / magnitude)
    parts = frame[keys].assign(absolute=np.abs(errors), squared=errors**2, ratio=ratios)
    means = parts.groupby(keys, sort=False)[["absolute", "squared", "ratio"]].mean().reset_index()
    scales = {
        (series, index): seasonal_naive_scale(series_values[series][origin.start : origin.test_start], season)
        for series, index in means[["unique_id", "origin"]].drop_duplicates().itertuples(index=False)
        for origin in [plan.origins[series][index]]
    }  # fmt: skip
    at = pd.MultiIndex.from_arrays([means["unique_id"], means["origin"]])
    scale = pd.Series(scales, dtype=np.float64).reindex(at).to_numpy()  # one lookup for millions of rows, not one each
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = {"rmse": np.sqrt(means["squared"]), "mae": means["absolute"], "smape": 100 * means["ratio"],
                  "mase": np.where(scale > 0, means["absolute"] / scale, np.nan)}  # fmt: skip
    return means[keys].assign(**{metric: np.asarray(scores[metric], dtype=np.float64)})


def step_sums(scores: pd.DataFrame, metric: str) -> pd.DataFrame:
    """`step_scores` added up per method and step (`sum` and `count` of `metric`): what a chunk of series adds to the
    by-step table."""
    return scores.groupby([METHOD, "h"], sort=False)[metric].agg(["sum", "count"]).reset_index()


def by_step_table(sums: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean `metric` over repeats, origins and series (`step_sums`, of one chunk of series or several): a row per
    method, a column per horizon step, and their mean."""
    totals = sums.groupby([METHOD, "h"], sort=False)[["sum", "count"]].sum()
    means = (totals["sum"] / totals["count"]).rename(metric).reset_index()
    table = means.pivot_table(index=METHOD, columns="h", values=metric, aggfunc="mean", sort=False)
    table.columns = [f"h{step}" for step in table.columns]
    return table.assign(mean=table.mean(axis=1)).sort_values("mean")


def varying_by_study(points: pd.DataFrame, axis_names: list[str]) -> dict[str, list[str]]:
    """The axes each study's configurations vary (its first axis if none): what their labels name."""
    return {
        study: [axis for axis in axis_names if study_points[axis].nunique() > 1] or axis_names[:1]
        for study, study_points in points.groupby("study", sort=False)
    }


def method_labels(forecasts: pd.DataFrame, axis_names: list[str], varying: dict[str, list[str]] | None = None) -> pd.Series:
    """The label "study: axis value, ..." for a configuration's rows (the axes that vary in its study: `varying`, or
    those varying in these rows), the name for a baseline's. A sweep summarised a chunk of series at a time passes the
    sweep's own `varying`, so that a label never depends on the chunk."""
    labels = pd.Series(forecasts["baseline"], index=forecasts.index, dtype=object)
    configurations = forecasts["baseline"].isna()
    keys = forecasts.loc[configurations, ["study", *axis_names]]
    points = keys.drop_duplicates()  # in order of first appearance, as `ngroup` numbers them below
    varying = varying_by_study(points, axis_names) | (varying or {})
    label_of = {}
    for study, study_points in points.groupby("study", sort=False):
        for key, point in zip(study_points.itertuples(index=False, name=None), study_points[axis_names].to_dict("records")):
            typed = typed_point(point)
            label_of[key] = f"{study}: " + ", ".join(f"{axis} {typed[axis]}" for axis in varying[study])
    names = np.array([label_of[key] for key in points.itertuples(index=False, name=None)], dtype=object)
    labels[configurations] = names[keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()]
    return labels
