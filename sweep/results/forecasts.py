"""Every forecast kept (forecasts.parquet), and the baselines' scores on the trials' own windows (baselines.parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.data.catalogue import Catalogue
from sweep.planning.plan import SweepPlan
from sweep.results.decode import DecodedTrial
from trainables import SCORES, BaselineForecast, horizon_scores, score_column, seasonal_naive_scale

BASELINE_COLUMNS = ["series", "baseline", "model", "origin", "test_start", "status", *SCORES, "error"]
FORECAST_COLUMNS = ["repeat", "origin", "step", "cutoff", "h", "index", "date", "actual", "forecast"]


def baselines_frame(
    forecasts: list[tuple[str, BaselineForecast]], plan: SweepPlan, series_values: dict[str, np.ndarray], season: int, horizon: int = 1
) -> pd.DataFrame:
    """One row per (series, baseline, origin): its scores on the same test window as the trials, or its error."""
    rows = []
    for name, forecast in forecasts:
        series, origin = series_values[name], plan.origins[name][forecast.origin]
        row = {"series": name, "baseline": forecast.baseline, "model": forecast.model, "origin": origin.index,
               "test_start": origin.test_start, "status": "failed" if forecast.error else "completed", "error": forecast.error}  # fmt: skip
        if not forecast.error:
            scale = seasonal_naive_scale(series[origin.start : origin.test_start], season)
            scores = horizon_scores(series[origin.test_start : origin.end], np.array(forecast.forecasts), scale, horizon)
            row |= {score_column(metric): float(value) for metric, value in scores.items()}
        rows.append(row)
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def forecasts_frame(
    trials: list[DecodedTrial], plan: SweepPlan, catalogue: Catalogue, baselines: list[tuple[str, BaselineForecast]], horizon: int = 1
) -> pd.DataFrame:
    """Every scored forecast: (series, study, point, repeat, origin, step, cutoff, h, index, date, actual, forecast).

    `step` counts the cutoffs of a test window from 1, `cutoff` is the index of the last observation a forecast knew and
    `h` its horizon step, so `index` = cutoff + h; with horizon 1, one row per test observation.

    A shared point's forecasts appear under each of its studies, like its trials; baselines' rows
    have no study, point or repeat (they belong to every study).
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
        return pd.DataFrame(columns=columns)
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
    frame = frame[columns]
    # Baselines' rows leave the axes empty: nullable types keep integer axes integers.
    return frame.astype({axis: frame[axis].convert_dtypes().dtype for axis in plan.axis_names})
