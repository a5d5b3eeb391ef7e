"""Every forecast kept (forecasts.parquet), and the baselines' scores on the trials' own windows (baselines.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.data.catalogue import Catalogue
from sweep.planning.plan import SweepPlan
from sweep.results.columns import with_axis_types
from sweep.results.decode import DecodedTrial
from sweep.results.horizons import method_labels
from trainables import SCORES, BaselineForecast, ForecastWindow, horizon_scores, interval_scores, score_column, seasonal_naive_scale

BASELINE_COLUMNS = ["series", "baseline", "model", "origin", "test_start", "status", *SCORES, "error"]
FORECAST_COLUMNS = ["repeat", "origin", "step", "cutoff", "h", "index", "date", "actual", "forecast"]


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
            window = ForecastWindow(origin.test_start, actual, np.array(forecast.forecasts), scale)
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
    """Every scored forecast: (unique_id, series, study, point, repeat, origin, step, cutoff, h, index, date, actual, forecast).

    `step` counts the cutoffs of a test window from 1, `cutoff` is the index of the last observation a forecast knew and
    `h` its horizon step, so `index` = cutoff + h; with horizon 1, one row per test observation.

    `unique_id` names the forecasts' track (series, method, origin, repeat), so that utilsforecast's `evaluate` scores the
    frame as it is (`models=["forecast"], time_col="index", target_col="actual"`). A shared point's forecasts appear
    under each of its studies, like its trials; baselines' rows have no study, point or repeat (they belong to every study).
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
                            "forecast": forecast.forecasts})  # fmt: skip
    columns = ["series", "study", *plan.axis_names, "baseline", *FORECAST_COLUMNS]
    if not windows:
        return pd.DataFrame(columns=["unique_id", *columns])
    frame = pd.DataFrame(windows).reindex(
        columns=["series", "study", *plan.axis_names, "baseline", "repeat", "origin", "test_start", "forecast"]
    )
    frame = frame.explode("forecast")  # each window's rows keep its index: the forecasts count within it, cutoff-major
    position = frame.groupby(level=0).cumcount().to_numpy()
    frame["step"], frame["h"] = position // horizon + 1, position % horizon + 1
    frame["cutoff"] = frame["test_start"] + frame["step"] - 2
    frame = frame[frame["forecast"].notna()].reset_index(drop=True)  # steps past the window's end are not forecasts scored
    frame["index"] = frame["cutoff"] + frame["h"]
    frame["actual"], frame["date"] = np.nan, None
    for name, rows in frame.groupby("series", sort=False).groups.items():
        loaded = catalogue.series[name]
        positions = frame.loc[rows, "index"].to_numpy(dtype=int)
        frame.loc[rows, "actual"] = loaded.values[positions]
        if loaded.dates:
            frame.loc[rows, "date"] = np.asarray(loaded.dates, dtype=object)[positions]
    frame["forecast"] = frame["forecast"].astype(float)
    frame["repeat"] = frame["repeat"].astype("Int64")
    frame = with_axis_types(frame[columns])  # baselines' rows leave the axes empty: integer axes stay integers
    frame.insert(0, "unique_id", _tracks(frame, plan.axis_names))
    return frame


def _tracks(frame: pd.DataFrame, axis_names: list[str]) -> pd.Series:
    """ "series | method | origin o | repeat r" (a baseline has no repeat): one forecaster's forecasts at one origin."""
    tracks = frame["series"] + " | " + method_labels(frame, axis_names) + " | origin " + frame["origin"].astype(str)
    repeats = " | repeat " + frame["repeat"].astype(str)
    return tracks.where(frame["repeat"].isna(), tracks + repeats)
