"""Baselines run on Ray beside the trials, and every forecast kept: forecasts.parquet and the baselines' rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from ray import tune

from sweep.catalogue import Catalogue
from sweep.config import SweepConfig
from sweep.plan import SweepPlan
from trainables.backtest import forecast_scores, seasonal_naive_scale
from trainables.contract import FinalReport, TrialRequest

if TYPE_CHECKING:
    from trainables.baselines import BaselineForecast

BASELINE_COLUMNS = [
    "series",
    "baseline",
    "model",
    "origin",
    "test_start",
    "status",
    "test_rmse",
    "test_mae",
    "test_smape",
    "test_mase",
    "error",
]
FORECAST_COLUMNS = ["repeat", "origin", "step", "index", "date", "actual", "forecast"]


def submit_baselines(config: SweepConfig, plan: SweepPlan, catalogue: dict[str, np.ndarray]) -> list[tuple[str, object]]:
    """(series, Ray task) per (series, baseline, origin), started now so they run while the trials do."""
    if not config.evaluation.baselines:
        return []
    import ray

    from trainables.baselines import baseline_forecast  # statsmodels: ~1 s of import a sweep without baselines skips

    task = ray.remote(num_cpus=config.resources.cpus_per_trial)(baseline_forecast)
    season = config.evaluation.season_for(config.data)
    tasks = []
    for series, origins in plan.origins.items():
        shared = ray.put(catalogue[series])
        tasks += [(series, task.remote(name, shared, origin, season)) for name in config.evaluation.baselines for origin in origins]
    return tasks


def baselines_frame(
    forecasts: list[tuple[str, BaselineForecast]], plan: SweepPlan, catalogue: dict[str, np.ndarray], season: int
) -> pd.DataFrame:
    """One row per (series, baseline, origin): its scores on the same test window as the trials, or its error."""
    rows = []
    for name, forecast in forecasts:
        series, origin = catalogue[name], plan.origins[name][forecast.origin]
        row = {"series": name, "baseline": forecast.baseline, "model": forecast.model, "origin": origin.index,
               "test_start": origin.test_start, "status": "failed" if forecast.error else "completed", "error": forecast.error}  # fmt: skip
        if not forecast.error:
            scale = seasonal_naive_scale(series[origin.start : origin.test_start], season)
            scores = forecast_scores(series[origin.test_start : origin.end], np.array(forecast.forecasts), scale)
            row |= {f"test_{metric}": float(value) for metric, value in scores.items()}
        rows.append(row)
    return pd.DataFrame(rows, columns=BASELINE_COLUMNS)


def forecasts_frame(
    results: tune.ResultGrid, plan: SweepPlan, catalogue: Catalogue, baselines: list[tuple[str, BaselineForecast]]
) -> pd.DataFrame:
    """Every one-step forecast: (series, study, point, repeat, origin, step, index, date, actual, forecast).

    A shared point's forecasts appear under each of its studies, like its trials; baselines' rows
    have no study, point or repeat (they belong to every study).
    """
    windows = []  # one entry per forecast window; expanded into one row per step below, in one go
    for result in results:
        final = FinalReport.from_metrics(result.metrics or {})
        if final is None:
            continue
        request = TrialRequest.from_tune(result.config)
        studies = list(plan.studies_of(request.point))
        windows += [
            {"series": row.series, "study": study, **request.point, "repeat": row.repeat, "origin": row.origin,
             "test_start": row.test_start, "forecast": row.forecasts}
            for row in final.repeats for study in studies
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
    frame = frame.explode("forecast")  # each window's rows keep its index: the steps count within it
    frame["step"] = frame.groupby(level=0).cumcount() + 1
    frame = frame.reset_index(drop=True)
    frame["index"] = frame["test_start"] + frame["step"] - 1
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
