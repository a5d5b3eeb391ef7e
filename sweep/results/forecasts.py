"""Every forecast kept (forecasts.parquet), and the baselines' scores on the trials' own windows (baselines.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.data.catalogue import Catalogue
from sweep.data.dates import timestamps
from sweep.data.grouping import rows_by_group
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
    trials: list[DecodedTrial], plan: SweepPlan, catalogue: Catalogue, baselines: list[tuple[str, BaselineForecast]], horizon: int = 1,
    series: set[str] | None = None, varying: dict[str, list[str]] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Every scored forecast, in the shape of the anchors' `cross_validation` output: `unique_id` (the series), `track`
    (series, method, origin and repeat: one forecaster's forecasts), study, point, baseline, repeat, origin, step, h,
    `cutoff_index` and `index` (positions), `cutoff` and `ds` (the last observation known and the target: dates where the
    series are dated, else those positions), `y` (the observed value), `forecast`, and `sd`: a baseline's predictive
    standard deviation (its model's; empty for the LSTM, whose spread is the repeats').

    `step` counts the cutoffs of a test window from 1 and `h` is the horizon step, so `index` = cutoff_index + h; with
    horizon 1, one row per test observation. A shared point's forecasts appear under each of its studies, like its
    trials; baselines' rows have no study, point or repeat (they belong to every study). `series`: only theirs (a chunk);
    `varying`: as `method_labels`.
    """
    windows, forecasts, deviations = _windows(trials, plan, baselines, series or set(plan.origins))
    columns = ["unique_id", "track", "study", *plan.axis_names, "baseline", *FORECAST_COLUMNS]
    if not windows:
        return pd.DataFrame(columns=columns)
    window_frame = with_axis_types(
        pd.DataFrame(windows)
        .rename(columns={"series": "unique_id"})
        .reindex(columns=["unique_id", "study", *plan.axis_names, "baseline", "repeat", "origin", "test_start"])
    )  # fmt: skip
    window_frame["repeat"] = window_frame["repeat"].astype("Int64")
    for label in ("study", "baseline"):  # text, empty where absent: one type in every chunk, whichever rows it has
        window_frame[label] = window_frame[label].astype(object).where(window_frame[label].notna(), None)
    window_frame["track"] = _tracks(window_frame, plan.axis_names, varying)
    counts = np.array([len(window) for window in forecasts])
    values, sd = np.concatenate(forecasts), np.concatenate(deviations)
    position = np.arange(len(values)) - np.repeat(np.cumsum(counts) - counts, counts)  # cutoff-major within each window
    kept = ~np.isnan(values)  # steps past the window's end are not forecasts scored
    window_of_row, position = np.repeat(np.arange(len(window_frame)), counts)[kept], position[kept]
    step, h = position // horizon + 1, position % horizon + 1
    cutoff_index = window_frame["test_start"].to_numpy()[window_of_row] + step - 2
    frame = pd.DataFrame({column: _repeated(window_frame[column], window_of_row) for column in columns if column in window_frame})
    for column, column_values in {"step": step, "h": h, "cutoff_index": cutoff_index, "index": cutoff_index + h}.items():
        frame[column] = column_values  # column by column: no copy of the frame for each
    for column, column_values in {**observed(frame, catalogue), "forecast": values[kept], "sd": sd[kept]}.items():
        frame[column] = column_values
    return frame


def _repeated(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """A window's value on each of its rows; text as shared Python strings, so that millions of rows hold a pointer each
    rather than a copy of their series' name and track label."""
    shared = column.astype(object) if isinstance(column.dtype, pd.StringDtype) else column
    return shared.take(rows).reset_index(drop=True)


def _windows(
    trials: list[DecodedTrial], plan: SweepPlan, baselines: list[tuple[str, BaselineForecast]], series: set[str]
) -> tuple[list[dict], list[np.ndarray], list[np.ndarray]]:  # fmt: skip
    """One entry per forecast window of `series` (a repeat's or a baseline's, at one origin; a shared point's under each
    of its studies) with its forecasts and predictive standard deviations, as arrays."""
    windows, forecasts, deviations = [], [], []
    for trial in trials:
        if trial.final is None or series.isdisjoint(trial.request.series):
            continue
        studies = list(plan.studies_of(trial.request.point))
        trial_windows, flat, counts = trial.forecasts()
        offsets = np.concatenate([[0], np.cumsum(counts)])
        for (name, repeat, origin, test_start), start, end in zip(trial_windows, offsets[:-1], offsets[1:]):
            if name not in series:
                continue
            for study in studies:
                windows.append({"series": name, "study": study, **trial.request.point, "repeat": repeat, "origin": origin,
                                "test_start": test_start})  # fmt: skip
                forecasts.append(flat[start:end])
                deviations.append(np.full(end - start, np.nan))
    for name, forecast in baselines:
        if not forecast.error and name in series:
            origin = plan.origins[name][forecast.origin]
            windows.append({"series": name, "baseline": forecast.baseline, "origin": origin.index, "test_start": origin.test_start})
            forecasts.append(np.asarray(forecast.forecasts, dtype=float))
            deviations.append(
                np.asarray(forecast.deviations, dtype=float) if forecast.deviations else np.full(len(forecast.forecasts), np.nan)
            )
    return windows, forecasts, deviations


def observed(frame: pd.DataFrame, catalogue: Catalogue) -> dict[str, np.ndarray]:
    """`y` at each row's `index`, and `cutoff` and `ds`: the cutoff's and target's dates when every series of the catalogue
    is dated (the anchors' datetimes), else their positions."""
    cutoffs, targets = frame["cutoff_index"].to_numpy(dtype=int), frame["index"].to_numpy(dtype=int)
    codes, names = pd.factorize(frame["unique_id"])
    dated = all(loaded.dates for loaded in catalogue.series.values())  # every chunk of series the same column types
    y = np.full(len(frame), np.nan)
    cutoff, ds = (np.empty(len(frame), dtype="datetime64[ns]") for _ in range(2)) if dated else (cutoffs, targets)
    for name, rows in zip(names, rows_by_group(codes, len(names))):
        loaded = catalogue.series[name]
        y[rows] = loaded.values[targets[rows]]
        if dated:
            stamps = timestamps(loaded.dates).to_numpy(dtype="datetime64[ns]")
            cutoff[rows], ds[rows] = stamps[cutoffs[rows]], stamps[targets[rows]]
    return {"cutoff": cutoff, "ds": ds, "y": y}


def _tracks(frame: pd.DataFrame, axis_names: list[str], varying: dict[str, list[str]] | None) -> pd.Series:
    """ "series | method | origin o | repeat r" (a baseline has no repeat): one forecaster's forecasts at one origin."""
    tracks = frame["unique_id"] + " | " + method_labels(frame, axis_names, varying) + " | origin " + frame["origin"].astype(str)
    repeats = " | repeat " + frame["repeat"].astype(str)
    return tracks.where(frame["repeat"].isna(), tracks + repeats)
