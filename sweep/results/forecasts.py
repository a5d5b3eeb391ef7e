"""Every forecast kept (forecasts.parquet), and the baselines' scores on the trials' own windows (baselines.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.data.catalogue import Catalogue
from sweep.data.dates import timestamps
from sweep.planning.plan import SweepPlan
from sweep.results.columns import with_axis_types
from sweep.results.decode import DecodedTrial
from sweep.results.horizons import method_labels
from trainables import SCORES, BaselineForecast, ForecastWindow, horizon_scores, interval_scores, score_column, seasonal_naive_scale

BASELINE_COLUMNS = ["series", "baseline", "model", "origin", "test_start", "status", *SCORES, "error"]
FORECAST_COLUMNS = ["repeat", "origin", "step", "h", "cutoff_index", "index", "cutoff", "ds", "y", "forecast", "sd"]


def baselines_frame(
    forecasts: list[tuple[str, BaselineForecast]], plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, horizon: int = 1,
    levels: list[float] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per (series, baseline, origin): its scores on the same test window as the trials, or its error; with
    `levels`, MSIS and CRPS from the baseline's own errors at every origin of the series, as a repeat's are."""
    rows, windows = [], {}
    for name, forecast in forecasts:
        series, origin = series_values[name], plan.origins[name][forecast.origin]
        row = {"series": name, "baseline": forecast.baseline, "model": forecast.model, "origin": origin.index,
               "test_start": origin.test_start, "status": "failed" if forecast.error else "completed", "error": forecast.error}  # fmt: skip
        if not forecast.error:
            scale = seasonal_naive_scale(series[origin.start : origin.test_start], season)
            actual = series[origin.test_start : origin.end]
            scores = horizon_scores(actual, np.array(forecast.forecasts), scale, horizon)
            row |= {score_column(metric): float(value) for metric, value in scores.items()}
            window = ForecastWindow.of_series(series, origin.test_start, origin.end, forecast.forecasts, scale, season)
            windows.setdefault((name, forecast.baseline), []).append((len(rows), window))
        rows.append(row)
    for scored in windows.values() if levels else ():
        positions, forecast_windows = zip(*scored)
        for position, scores in zip(positions, interval_scores(list(forecast_windows), horizon, levels)):
            rows[position] |= {score_column(metric): value for metric, value in scores.items()}
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def forecasts_frame(
    trials: list[DecodedTrial], plan: SweepPlan, catalogue: Catalogue, baselines: list[tuple[str, BaselineForecast]], horizon: int = 1
) -> pd.DataFrame:
    """Every scored forecast, in the shape of the anchors' `cross_validation` output: `unique_id` (the series), `track`
    (series, method, origin and repeat: one forecaster's forecasts), study, point, baseline, repeat, origin, step, h,
    `cutoff_index` and `index` (positions), `cutoff` and `ds` (the last observation known and the target: dates where the
    series are dated, else those positions), `y` (the observed value), `forecast`, and `sd`: a baseline's predictive
    standard deviation (its model's; empty for the LSTM, whose spread is the repeats').

    `step` counts the cutoffs of a test window from 1 and `h` is the horizon step, so `index` = cutoff_index + h; with
    horizon 1, one row per test observation. A shared point's forecasts appear under each of its studies, like its
    trials; baselines' rows have no study, point or repeat (they belong to every study).
    """
    windows = []  # one entry per forecast window; expanded into one row per step below, in one go
    for trial in trials:
        if trial.final is None:
            continue
        studies = list(plan.studies_of(trial.request.point))
        windows += [
            {"series": row.series, "study": study, **trial.request.point, "repeat": row.repeat, "origin": row.origin,
             "test_start": row.test_start, "forecast": row.forecasts}
            for row in trial.final.repeats for study in studies
        ]  # fmt: skip
    for name, forecast in baselines:
        if not forecast.error:
            origin = plan.origins[name][forecast.origin]
            windows.append({"series": name, "baseline": forecast.baseline, "origin": origin.index, "test_start": origin.test_start,
                            "forecast": forecast.forecasts, "sd": forecast.deviations})  # fmt: skip
    columns = ["unique_id", "track", "study", *plan.axis_names, "baseline", *FORECAST_COLUMNS]
    if not windows:
        return pd.DataFrame(columns=columns)
    frame = (
        pd.DataFrame(windows)
        .rename(columns={"series": "unique_id"})
        .reindex(columns=["unique_id", "study", *plan.axis_names, "baseline", "repeat", "origin", "test_start", "forecast"])
    )
    deviations = [window.get("sd") or np.full(len(window["forecast"]), np.nan) for window in windows]
    frame = frame.explode("forecast")  # each window's rows keep its index: the forecasts count within it, cutoff-major
    frame["sd"] = np.concatenate(deviations).astype(float)
    position = frame.groupby(level=0).cumcount().to_numpy()
    frame["step"], frame["h"] = position // horizon + 1, position % horizon + 1
    frame["cutoff_index"] = frame["test_start"] + frame["step"] - 2
    frame = frame[frame["forecast"].notna()].reset_index(drop=True)  # steps past the window's end are not forecasts scored
    frame["index"] = frame["cutoff_index"] + frame["h"]
    frame["forecast"] = frame["forecast"].astype(float)
    frame["repeat"] = frame["repeat"].astype("Int64")
    frame = with_axis_types(frame.assign(**observed(frame, catalogue)))  # baselines' rows leave the axes empty
    frame["track"] = _tracks(frame, plan.axis_names)
    return frame[columns]


def observed(frame: pd.DataFrame, catalogue: Catalogue) -> dict[str, np.ndarray]:
    """`y` at each row's `index`, and `cutoff` and `ds`: the cutoff's and target's dates when every series is dated (the
    anchors' datetimes), else their positions."""
    cutoffs, targets = frame["cutoff_index"].to_numpy(dtype=int), frame["index"].to_numpy(dtype=int)
    series = frame["unique_id"].to_numpy()
    dated = all(catalogue.series[name].dates for name in np.unique(series))
    y = np.full(len(frame), np.nan)
    cutoff, ds = (np.empty(len(frame), dtype="datetime64[ns]") for _ in range(2)) if dated else (cutoffs, targets)
    for name in np.unique(series):
        rows = series == name
        loaded = catalogue.series[name]
        y[rows] = loaded.values[targets[rows]]
        if dated:
            stamps = timestamps(loaded.dates).to_numpy(dtype="datetime64[ns]")
            cutoff[rows], ds[rows] = stamps[cutoffs[rows]], stamps[targets[rows]]
    return {"cutoff": cutoff, "ds": ds, "y": y}


def _tracks(frame: pd.DataFrame, axis_names: list[str]) -> pd.Series:
    """ "series | method | origin o | repeat r" (a baseline has no repeat): one forecaster's forecasts at one origin."""
    tracks = frame["unique_id"] + " | " + method_labels(frame, axis_names) + " | origin " + frame["origin"].astype(str)
    repeats = " | repeat " + frame["repeat"].astype(str)
    return tracks.where(frame["repeat"].isna(), tracks + repeats)
