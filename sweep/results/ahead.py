"""The winner's forecast H steps ahead: the median of its repeats, intervals calibrated on the sweep's own backtest, and
the best baseline's H-step forecast beside it, in the anchors' shape (`lstm`, `lstm-lo-95`, `lstm-hi-95`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sweep.results.columns import of_point
from sweep.results.intervals import model_half_width
from sweep.results.summary import baseline_means
from trainables import baseline_next, conformal_width

MODEL_COLUMN = "lstm"  # the anchors name a model's forecast column after the model


@dataclass(frozen=True)
class BaselineAhead:
    """The best baseline's H-step forecast, with its own model intervals' half-widths (`evaluation.intervals: model`)."""

    name: str
    forecast: np.ndarray  # (horizon,)
    widths: dict[float, np.ndarray]  # level -> (horizon,) half-widths; empty unless model intervals were asked for


@dataclass(frozen=True)
class Ahead:
    """One series' forecast H steps ahead."""

    series: str
    labels: list[str]  # what each step is (a period, a date, or a position), in words
    ds: np.ndarray  # each step's date (datetime64) where the series is dated, else its position
    repeats: np.ndarray  # (repeats, horizon) every repeat's forecasts
    widths: dict[float, np.ndarray]  # level -> (horizon,) half-widths from the backtest; NaN where it cannot calibrate
    baseline: BaselineAhead | None  # the best baseline's forecast, if the sweep had baselines

    @property
    def median(self) -> np.ndarray:
        return np.median(self.repeats, axis=0)

    def frame(self) -> pd.DataFrame:
        columns = {"unique_id": self.series, "ds": self.ds, "h": np.arange(1, len(self.labels) + 1), MODEL_COLUMN: self.median}
        for level, width in self.widths.items():
            columns[f"{MODEL_COLUMN}-lo-{level:g}"], columns[f"{MODEL_COLUMN}-hi-{level:g}"] = self.median - width, self.median + width
        if self.baseline is not None:
            name, forecast = self.baseline.name, self.baseline.forecast
            columns[name] = forecast
            for level, width in self.baseline.widths.items():
                columns[f"{name}-lo-{level:g}"], columns[f"{name}-hi-{level:g}"] = forecast - width, forecast + width
        return pd.DataFrame(columns)


def backtest_widths(
    forecasts: pd.DataFrame, series: str, study: str, point: dict, levels: list[float], horizon: int, scales: np.ndarray
) -> dict:
    """Per level, each step's conformal half-width from every backtest error of the point's repeats' median on `series`
    at that step (all of them known now), each in units of its cutoff's scale (`scales`: `error_scales` of the series)
    and brought to the scale at the series' end; NaN for a step the backtest did not score or a level its errors cannot
    reach."""
    rows = forecasts[(forecasts["unique_id"] == series) & (forecasts["study"] == study) & forecasts["baseline"].isna()]
    rows = rows[of_point(rows, point)]
    ensemble = rows.groupby(["origin", "cutoff_index", "h"]).agg(y=("y", "first"), forecast=("forecast", "median"))
    cutoffs = ensemble.index.get_level_values("cutoff_index").to_numpy(dtype=int)
    errors = (ensemble["y"] - ensemble["forecast"]).abs() / scales[cutoffs]
    errors = errors.groupby(level="h").agg(lambda values: np.sort(values.to_numpy()))
    steps = range(1, horizon + 1)
    now = scales[-1]  # the scale at the series' end, where the forecast starts
    return {level: np.array([conformal_width(errors.get(step, np.array([])), level) * now for step in steps]) for level in levels}


def best_baseline_ahead(
    baselines: pd.DataFrame | None, metric: str, values: np.ndarray, season: int, horizon: int, model_levels: list[float]
) -> BaselineAhead | None:
    """The baseline with the lowest mean backtest score, fitted on all of the series, forecasting `horizon` steps, with its
    model intervals at `model_levels`."""
    means = baseline_means(baselines, metric)
    if means.empty:
        return None
    forecast = baseline_next(means.idxmin(), values, season, horizon)
    if forecast.error:
        return None
    deviations = np.array(forecast.deviations)
    widths = {level: model_half_width(deviations, level) for level in model_levels}
    return BaselineAhead(forecast.baseline, np.array(forecast.forecasts), widths)
