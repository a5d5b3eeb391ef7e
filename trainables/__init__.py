"""The trial side of lstm-sweep: data prep, model, engines, walk-forward evaluation, and the contract.

This module is the door: the driver (`sweep/`) imports from here and from nowhere else in
`trainables` (an import-linter contract in pyproject.toml keeps it so). What passes through it:

- the contract (`contract.py`): the whole Tune dict layout, what a trial receives and reports, and
  what a baseline task returns;
- the protocol facts the driver plans and scores with: where origins lie, the metrics, a point's
  model spec and axes, how long a series must be for a window and batch;
- the entry points that run on Ray workers: the trainable, a baseline task, a forecast from all data.

Importing it costs NumPy and pandas only: TensorFlow is imported inside a trial, statsmodels inside a
baseline task.
"""

from __future__ import annotations

import numpy as np

from trainables.backtest import (
    INTERVAL_METRICS,
    METRICS,
    MSIS_LEVEL,
    SEASONALLY_SCALED,
    ForecastWindow,
    Origin,
    WindowKind,
    backtest_origins,
    conformal_width,
    error_scales,
    forecast_scores,
    horizon_scores,
    interval_scores,
    minimum_calibration,
    scored_steps,
    seasonal_naive_scale,
)  # fmt: skip
from trainables.contract import (
    BASELINES,
    NODE_ID,
    SCHEDULER_METRIC,
    SCORES,
    TIME_ATTRIBUTE,
    BaselineForecast,
    DiagnosticReport,
    FinalReport,
    Point,
    RepeatScores,
    TrialRequest,
    TrialStatus,
    score_column,
    tracker_scalars,
    trial_id,
    trial_status,
    tune_space,
)
from trainables.data import (
    TRAIN_ROWS_MULTIPLE,
    forecast_batch_size,
    minimum_length,
    persistence_description,
    persistence_rmse,
    prepare,
    training_rows,
)
from trainables.spec import (
    ALL_AXES,
    AXIS_TYPES,
    EXTENSION_DEFAULTS,
    OPTIMIZER_DEFAULT_RATES,
    POINT_AXES,
    ModelSpec,
    canonical_point,
    point_file_key,
    point_label,
    point_words,
    typed_point,
)
from trainables.trainable import forecast_next, run_trial, tune_trainable
from trainables.transforms import TRANSFORMS


def baseline_next(name: str, series: np.ndarray, season: int, horizon: int = 1) -> BaselineForecast:
    """A baseline fitted on the whole series, forecasting the `horizon` observations after it (`trainables/baselines.py`)."""
    from trainables.baselines import baseline_next as forecast  # statsmodels, as below

    return forecast(name, series, season, horizon)


def baseline_forecast(name: str, series: np.ndarray, origin: Origin, season: int, horizon: int = 1) -> BaselineForecast:
    """One baseline fitted at one origin (`trainables/baselines.py`), run as a Ray task beside the trials."""
    from trainables.baselines import baseline_forecast as forecast  # statsmodels: ~1 s of import a sweep without baselines skips

    return forecast(name, series, origin, season, horizon)


__all__ = [
    "ALL_AXES", "AXIS_TYPES", "BASELINES", "BaselineForecast", "DiagnosticReport", "EXTENSION_DEFAULTS", "FinalReport", "ForecastWindow",
    "INTERVAL_METRICS", "METRICS", "MSIS_LEVEL", "ModelSpec", "NODE_ID", "OPTIMIZER_DEFAULT_RATES", "Origin", "POINT_AXES",
    "Point", "RepeatScores", "SCHEDULER_METRIC", "SCORES", "SEASONALLY_SCALED", "TIME_ATTRIBUTE", "TRAIN_ROWS_MULTIPLE", "TRANSFORMS",
    "TrialRequest", "TrialStatus", "WindowKind", "backtest_origins", "baseline_forecast", "baseline_next", "canonical_point",
    "conformal_width", "error_scales", "forecast_batch_size", "forecast_next", "forecast_scores", "horizon_scores", "interval_scores",
    "minimum_calibration", "minimum_length", "persistence_description", "persistence_rmse", "point_file_key", "point_label",
    "point_words", "prepare", "run_trial",
    "score_column", "scored_steps", "seasonal_naive_scale", "training_rows", "trial_id", "trial_status", "tune_space",
    "tracker_scalars", "tune_trainable", "typed_point",
]  # fmt: skip
