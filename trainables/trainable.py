"""The Ray Tune trainable: one configuration point, one or more seeded repeats, one final report.

`run_trial` is a pure function of its request and the raw series, callable without Ray:

    >>> request = TrialRequest(point={"epochs": 10, "batch_size": 4, "neurons": 1}, repeat_indices=(0, 1),
    ...                        base_seed=0, engine="compiled", test_size=12, difference_lag=1, diagnostics_every=0)
    >>> run_trial(request, series).repeats[0].test_rmse

TensorFlow is imported inside the trial (in the engines), never when `sweep` is imported. The
trial reads no files; under Ray, `tune_trainable` hands its reports to `ray.tune.report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from trainables.backtest import Origin, backtest_origins, forecast_scores, seasonal_naive_scale
from trainables.contract import DiagnosticReport, FinalReport, RepeatScores, TrialRequest
from trainables.data import PreparedSeries, prepare, prepare_future


def run_trial(request: TrialRequest, series: np.ndarray, report: Callable[[dict[str, Any]], None] | None = None) -> FinalReport:
    """Fit and evaluate each repeat of one point at each forecast origin.

    Every origin starts from the repeat's own initial weights and sees only the observations up to
    the end of its test window, prepared afresh (differences, a scaler fitted on its training rows,
    trimming). With `diagnostics_every` = N > 0 (one origin only), training pauses every N epochs for
    the protocol's diagnostic train/test RMSE, passed to `report` as metrics (Tune's, under Ray);
    they never touch the weights.
    """
    from trainables.model import initial_state

    spec, seeds = request.spec, request.seeds
    origins = backtest_origins(len(series), request.test_size, request.origins, request.origin_step, request.window)
    prepared = [_prepare(request, series[origin.start : origin.end]) for origin in origins]
    initial = [initial_state(spec, seed) for seed in seeds]
    rows: list[RepeatScores] = []
    if request.engine == "compiled" and len({(len(data.train), len(data.test)) for data in prepared}) == 1 < len(prepared):
        # Origins of one shape (sliding windows) train side by side in one compiled call.
        _seed_all(seeds[0])
        runs = _engine(request.engine)(prepared, request.batch_size, spec, initial)
        rows, diagnostic = _fit_and_score(request, runs, prepared, origins, series, report)
    else:  # one origin at a time; the compiled engine pads them to one shape, so they share one compile
        capacity_rows = max(len(data.train) for data in prepared) if request.origins > 1 else None
        for origin, data in zip(origins, prepared):
            _seed_all(seeds[0])
            runs = _engine(request.engine)(data, request.batch_size, spec, initial, capacity_rows)
            scores, diagnostic = _fit_and_score(request, runs, [data], [origin], series, report)
            rows += scores
    rows.sort(key=lambda row: (row.repeat, row.origin))
    return FinalReport(epoch=request.epochs, repeats=rows, forecast_batch_size=runs.forecast_batch_size, last_diagnostic=diagnostic)


def _prepare(request: TrialRequest, observations: np.ndarray) -> PreparedSeries:
    spec = request.spec
    return prepare(
        observations, request.test_size, difference_lag=request.difference_lag, lags=spec.lags, timesteps=spec.timesteps,
        batch_size=request.batch_size,
    )  # fmt: skip


def _fit_and_score(request: TrialRequest, runs, prepared: list[PreparedSeries], origins: list[Origin], series: np.ndarray, report):
    """Train the repeats at the given origins (together, when `runs` holds several), then score each origin's walk-forward."""
    started = time.perf_counter()
    epochs_done, diagnostic = 0, None
    for chunk in epoch_chunks(request.epochs, request.diagnostics_every):
        runs.train(chunk)
        epochs_done += chunk
        if request.diagnostics_every:  # one origin only (the config refuses diagnostics with several)
            diagnostic = _diagnostic(prepared[0], epochs_done, *runs.diagnose())
            if epochs_done < request.epochs and report is not None:
                report(diagnostic.to_metrics())
    train_yhat, test_yhat = runs.walk_forward()
    fits = len(request.seeds) * len(origins)  # repeat-fits trained together share the seconds equally
    fit_seconds, compile_seconds = (time.perf_counter() - started) / fits, runs.compile_seconds / fits
    rows = []
    for position, (origin, data) in enumerate(zip(origins, prepared)):
        lanes = slice(position * len(request.seeds), (position + 1) * len(request.seeds))
        forecasts = data.to_observations(test_yhat[lanes], data.test_target_index)
        scale = seasonal_naive_scale(series[origin.start : origin.test_start], request.season)
        scores = forecast_scores(series[origin.test_start : origin.end], forecasts, scale)
        train_rmse = data.train_rmse(train_yhat[lanes])
        rows += [
            RepeatScores(
                repeat, seed, float(scores["rmse"][i]), float(train_rmse[i]), fit_seconds, compile_seconds, origin.index,
                origin.test_start, float(scores["mae"][i]), float(scores["smape"][i]), float(scores["mase"][i]),
                len(data.train), data.trimmed_rows, [float(value) for value in forecasts[i]],
            )
            for i, (repeat, seed) in enumerate(zip(request.repeat_indices, request.seeds))
        ]  # fmt: skip
    return rows, diagnostic


def forecast_next(request: TrialRequest, series: np.ndarray) -> np.ndarray:
    """Train each repeat of the point on the whole series, then forecast the next observation: (repeats,).

    The same preparation, seeds and walk-forward as a sweep's trial, with every observation used for
    training and the one unknown value after them as the test window.
    """
    from trainables.model import initial_state

    spec = request.spec
    data = prepare_future(series, difference_lag=request.difference_lag, lags=spec.lags, timesteps=spec.timesteps,
                          batch_size=request.batch_size)  # fmt: skip
    _seed_all(request.seeds[0])
    runs = _engine(request.engine)(data, request.batch_size, spec, [initial_state(spec, seed) for seed in request.seeds])
    runs.train(request.epochs)
    _, next_yhat = runs.walk_forward()
    return data.to_observations(next_yhat, len(series))[:, 0]


def epoch_chunks(epochs: int, every: int) -> list[int]:
    """Epochs between diagnostic reports: `every` at a time, the remainder last; all at once if 0."""
    if not every:
        return [epochs]
    return [every] * (epochs // every) + ([epochs % every] if epochs % every else [])


def _diagnostic(data: PreparedSeries, epoch: int, train_yhat: np.ndarray, test_yhat: np.ndarray) -> DiagnosticReport:
    test_rmse, train_rmse = data.test_rmse(test_yhat), data.train_rmse(train_yhat)
    return DiagnosticReport(epoch, [float(value) for value in test_rmse], [float(value) for value in train_rmse])


def _engine(name: str):
    if name == "keras":
        from trainables.engines.keras_loop import KerasRuns

        return KerasRuns
    from trainables.engines.compiled import CompiledRuns

    return CompiledRuns


def _seed_all(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow from the trial's first seed, so nothing depends on trial order.

    The engines draw nothing from these generators (initial weights and dropout use explicit seeds);
    this keeps anything random a library does on its own reproducible per trial.
    """
    import keras

    keras.utils.set_random_seed(seed)


def tune_trainable(config: dict[str, Any], series: np.ndarray) -> None:
    """Entry point for `tune.with_parameters`; the series travels through Ray's object store.

    The final report also names the node the trial ran on (node IPs can repeat: several nodes per host).
    """
    import ray
    from ray import tune

    final = run_trial(TrialRequest.from_tune(config), series, report=tune.report)
    tune.report(final.on_node(ray.get_runtime_context().get_node_id()).to_metrics())
