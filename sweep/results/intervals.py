"""Prediction intervals from the backtest's own errors (split conformal), and how well they hold.

Each method's point forecast is, for a configuration, the median of its repeats' forecasts (the seed ensemble) and,
for a baseline, its forecast. The interval at level L around a forecast from cutoff t at step h is that forecast
plus or minus the ceil((n + 1) L / 100)-th smallest absolute error of the same method, series and step among the n
forecasts whose targets were observed by t (any origin): only errors known at the cutoff, so the coverage reported is
out of sample. Too few known errors (n < L / (100 - L)) leave the forecast without an interval at that level. The
seeds' spread enters through the median's errors; `seed_spread` reports it beside the interval's half-width.

With `evaluation.intervals: [conformal, model]`, each baseline's own model interval (forecast plus or minus the normal
quantile times its predictive standard deviation, `sd` in forecasts.parquet) joins as the method "<baseline> (model)",
scored by the same tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules
from scipy.stats import norm

from sweep.planning.plan import SweepPlan
from sweep.results.horizons import METHOD, method_labels
from trainables import MSIS_LEVEL, conformal_width, seasonal_naive_scale

KEYS = ["unique_id", METHOD, "origin", "cutoff_index", "h"]
MODEL_SUFFIX = " (model)"


def lo(level: float) -> str:
    """The anchors' column names for the `forecast` column's interval: `forecast-lo-95`, `forecast-hi-95` (`-97.5` for a
    fractional level), as utilsforecast's interval losses read them."""
    return f"forecast-lo-{level:g}"


def hi(level: float) -> str:
    return f"forecast-hi-{level:g}"


def conformal_intervals(
    forecasts: pd.DataFrame, axis_names: list[str], levels: list[float], scales: dict[str, np.ndarray] | None = None,
    varying: dict[str, list[str]] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per (series, method, origin, cutoff, h), in the anchors' shape as forecasts.parquet (`unique_id` the
    series, `track` its method and origin, `cutoff`, `ds`, `y`): the ensemble's median `forecast`, `lo(L)`/`hi(L)` per
    level (NaN where too few errors were known), `calibration` (how many), `seed_spread` (the repeats' 10-90% range) and
    `members` (every repeat's forecast, for the ensemble's CRPS). With `scales` (per series, `error_scales`), each error is
    divided by its cutoff's scale and each width multiplied by its own: intervals that follow the series' level.
    `varying`: as `method_labels`."""
    frame = forecasts.assign(**{METHOD: method_labels(forecasts, axis_names, varying)})
    grouped = frame.groupby(KEYS, sort=False)
    ensemble = grouped.agg(
        index=("index", "first"), cutoff=("cutoff", "first"), ds=("ds", "first"), y=("y", "first"), forecast=("forecast", "median")
    ).reset_index()
    members = grouped["forecast"].agg(list)
    ensemble["seed_spread"] = _spread(members)
    ensemble["members"] = members.to_numpy()
    ensemble.insert(1, "track", ensemble["unique_id"] + " | " + ensemble[METHOD] + " | origin " + ensemble["origin"].astype(str))
    ensemble["scale"] = 1.0
    for name, rows in ensemble.groupby("unique_id", sort=False).groups.items() if scales else ():
        ensemble.loc[rows, "scale"] = scales[name][ensemble.loc[rows, "cutoff_index"].to_numpy(dtype=int)]
    ensemble["calibration"] = 0
    for level in levels:
        ensemble[lo(level)], ensemble[hi(level)] = np.nan, np.nan
    for _, rows in ensemble.groupby(["unique_id", METHOD, "h"], sort=False).groups.items():
        _calibrate(ensemble, rows, levels)
    return ensemble


def model_half_width(deviations, level: float):
    """A Gaussian interval's half-width at `level` percent: the anchors' model intervals from a predictive deviation."""
    return norm.ppf(0.5 + level / 200) * deviations


def model_intervals(forecasts: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """The baselines' own Gaussian intervals in `conformal_intervals`' shape, a method "<baseline> (model)" each, with the
    predictive standard deviation `sd` (its CRPS is the Gaussian's); no calibration (`calibration` empty), and a single
    member: the forecast."""
    rows = forecasts[forecasts["baseline"].notna() & forecasts["sd"].notna()]
    method = rows["baseline"] + MODEL_SUFFIX
    frame = rows[["unique_id", "origin", "cutoff_index", "h", "index", "cutoff", "ds", "y", "forecast"]].assign(**{METHOD: method})
    frame.insert(1, "track", rows["unique_id"] + " | " + method + " | origin " + rows["origin"].astype(str))
    frame = frame.assign(seed_spread=0.0, members=[[value] for value in frame["forecast"]], scale=1.0, calibration=pd.NA, sd=rows["sd"])
    for level in levels:
        half_width = model_half_width(rows["sd"], level)
        frame[lo(level)], frame[hi(level)] = rows["forecast"] - half_width, rows["forecast"] + half_width
    return frame.reset_index(drop=True)


def _spread(members: pd.Series) -> np.ndarray:
    """Each forecast's 10-90% range over its repeats; tracks of one size as one array (one quantile call, not one per row)."""
    spread = np.empty(len(members))
    sizes = members.map(len).to_numpy()
    for size in np.unique(sizes):
        rows = np.flatnonzero(sizes == size)
        quantiles = np.quantile(np.array(members.iloc[rows].tolist()), [0.1, 0.9], axis=1)
        spread[rows] = quantiles[1] - quantiles[0]
    return spread


def ensemble_crps(actual: np.ndarray, members: pd.Series) -> np.ndarray:
    """Each forecast's CRPS over its own members (a baseline's single forecast: a point mass), forecasts with as many
    members as one array: never padded to another's count, so a row's score is its own whatever rows are beside it."""
    crps = np.empty(len(members))
    sizes = members.map(len).to_numpy()
    for size in np.unique(sizes):
        rows = np.flatnonzero(sizes == size)
        crps[rows] = scoringrules.crps_ensemble(actual[rows], np.array(members.iloc[rows].tolist()), estimator="qd")
    return crps


def _calibrate(ensemble: pd.DataFrame, rows, levels: list[float]) -> None:
    scale = ensemble.loc[rows, "scale"].to_numpy()
    errors = (ensemble.loc[rows, "y"] - ensemble.loc[rows, "forecast"]).abs().to_numpy() / scale
    targets, cutoffs, centres = (ensemble.loc[rows, column].to_numpy() for column in ("index", "cutoff_index", "forecast"))
    known_counts, bounds = [], {level: ([], []) for level in levels}
    for cutoff, centre, own in zip(cutoffs, centres, scale):
        known = np.sort(errors[targets <= cutoff])
        known_counts.append(len(known))
        for level in levels:
            width = conformal_width(known, level) * own
            bounds[level][0].append(centre - width)
            bounds[level][1].append(centre + width)
    ensemble.loc[rows, "calibration"] = known_counts
    for level, (lower, upper) in bounds.items():
        ensemble.loc[rows, lo(level)], ensemble.loc[rows, hi(level)] = lower, upper


def interval_table(ensemble: pd.DataFrame, plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, levels: list[float]):
    """Per method: each level's coverage (share of calibrated forecasts whose actual fell inside), MSIS (M4: the 95%
    interval score over the seasonal naive's in-sample error, as MASE scales), the ensemble's CRPS on the same scale,
    the forecasts with an interval at every level, and the mean half-width at the highest level against the seeds' spread.
    A baseline's model interval (`sd` given) scores the CRPS of its Gaussian."""
    return interval_means(interval_sums(ensemble, plan, series_values, season, levels))


def interval_means(sums: pd.DataFrame) -> pd.DataFrame:
    """`interval_table` from `interval_sums` (of one chunk of series or several)."""
    totals = sums.groupby(METHOD, sort=False).sum()
    table = totals.xs("sum", axis=1, level=1) / totals.xs("count", axis=1, level=1)
    table["calibrated forecasts"] = totals[("calibrated forecasts", "sum")].astype(int)
    return table.sort_values("crps (scaled)")


def interval_sums(ensemble: pd.DataFrame, plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, levels: list[float]):
    """Per method, the sum and count of each of `interval_table`'s columns over these forecasts: what a chunk adds."""
    scales = {(series, origin.index): seasonal_naive_scale(series_values[series][origin.start : origin.test_start], season)
              for series in ensemble["unique_id"].unique() for origin in plan.origins[series]}  # fmt: skip
    scale = np.array([scales[key] for key in zip(ensemble["unique_id"], ensemble["origin"])])
    calibrated = ensemble[[lo(level) for level in levels]].notna().all(axis=1).to_numpy()
    actual = ensemble["y"].to_numpy()
    columns = {}
    for level in levels:  # each level over the forecasts it could calibrate (a high level may miss the last steps)
        inside = (ensemble[lo(level)] <= actual) & (actual <= ensemble[hi(level)])
        columns[f"coverage-{level:g}"] = inside.astype(float).where(ensemble[lo(level)].notna())
    if MSIS_LEVEL in levels:
        score = scoringrules.interval_score(actual, ensemble[lo(MSIS_LEVEL)].to_numpy(), ensemble[hi(MSIS_LEVEL)].to_numpy(), 0.05)
        columns["msis"] = pd.Series(score / scale).where(calibrated)
    crps = ensemble_crps(actual, ensemble["members"])
    if "sd" in ensemble:  # a baseline's model interval: its Gaussian's CRPS
        modelled = ensemble["sd"].notna().to_numpy()
        crps[modelled] = scoringrules.crps_normal(
            actual[modelled], ensemble["forecast"].to_numpy()[modelled], ensemble["sd"].to_numpy()[modelled]
        )
    columns["crps (scaled)"] = pd.Series(crps / scale)
    columns["calibrated forecasts"] = pd.Series(calibrated.astype(float))
    top = levels[-1]
    columns[f"half-width-{top:g}"] = ((ensemble[hi(top)] - ensemble[lo(top)]) / 2).where(calibrated)
    columns["seed spread (10-90%)"] = ensemble["seed_spread"]
    scores = pd.DataFrame({METHOD: ensemble[METHOD], **{name: pd.Series(values).to_numpy() for name, values in columns.items()}})
    return scores.groupby(METHOD, sort=False).agg(["sum", "count"])
