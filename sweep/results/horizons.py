"""Scores by horizon step: how each configuration and baseline degrades from one step ahead to `evaluation.horizon`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.planning.plan import SweepPlan
from trainables import METRICS, forecast_scores, seasonal_naive_scale

METHOD = "method"  # a configuration ("study: axis value, ...") or a baseline's name


def step_metric(metric: str) -> str:
    """The metric of the by-step table: the sweep's, or MASE for an interval metric (its intervals are calibrated on
    a forecaster's errors at every step together, so it has no one-step-at-a-time form)."""
    return metric if metric in METRICS else "mase"


def step_scores(forecasts: pd.DataFrame, plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, metric: str) -> pd.DataFrame:
    """One row per (series, method, repeat, origin, h): `metric` over the cutoffs whose step h is in the test window.

    MASE is scaled as everywhere else, by the origin's training window. Baselines have no repeat (-1 here).
    """
    frame = forecasts.assign(**{METHOD: method_labels(forecasts, plan.axis_names), "repeat": forecasts["repeat"].fillna(-1).astype(int)})
    rows = []
    for (series, method, repeat, origin_index, h), group in frame.groupby(["series", METHOD, "repeat", "origin", "h"], sort=False):
        origin = plan.origins[series][origin_index]
        scale = seasonal_naive_scale(series_values[series][origin.start : origin.test_start], season)
        score = forecast_scores(group["actual"].to_numpy(), group["forecast"].to_numpy(), scale)[metric]
        rows.append({"series": series, METHOD: method, "repeat": repeat, "origin": origin_index, "h": h, metric: float(score)})
    return pd.DataFrame(rows, columns=["series", METHOD, "repeat", "origin", "h", metric])


def by_step_table(scores: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean `metric` over repeats, origins and series: a row per method, a column per horizon step, and their mean."""
    table = scores.pivot_table(index=METHOD, columns="h", values=metric, aggfunc="mean", sort=False)
    table.columns = [f"h{step}" for step in table.columns]
    return table.assign(mean=table.mean(axis=1)).sort_values("mean")


def method_labels(forecasts: pd.DataFrame, axis_names: list[str]) -> pd.Series:
    """The label "study: axis value, ..." for a configuration's rows (the axes that vary in its study), the name for a baseline's."""
    labels = pd.Series(forecasts["baseline"], index=forecasts.index, dtype=object)
    configurations = forecasts["baseline"].isna()
    keys = forecasts.loc[configurations, ["study", *axis_names]]
    label_of = {}
    for study, points in keys.drop_duplicates().groupby("study", sort=False):
        varying = [axis for axis in axis_names if points[axis].nunique() > 1] or axis_names[:1]
        for point in points.itertuples(index=False):
            label_of[tuple(point)] = f"{study}: " + ", ".join(f"{axis} {getattr(point, axis)}" for axis in varying)
    labels[configurations] = [label_of[key] for key in keys.itertuples(index=False, name=None)]
    return labels
