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

from trainables.contract import DiagnosticReport, FinalReport, RepeatScores, TrialRequest
from trainables.data import PreparedSeries, prepare


def run_trial(request: TrialRequest, series: np.ndarray, report: Callable[[dict[str, Any]], None] | None = None) -> FinalReport:
    """Fit and evaluate each repeat of one point.

    With `diagnostics_every` = N > 0, training pauses every N epochs for the protocol's diagnostic
    train/test RMSE, passed to `report` as metrics (Tune's, under Ray); they never touch the weights.
    """
    from trainables.model import initial_state

    spec, batch_size = request.spec, request.batch_size
    data = prepare(
        series, request.test_size, difference_lag=request.difference_lag, lags=spec.lags, timesteps=spec.timesteps,
        batch_size=batch_size,
    )  # fmt: skip
    seeds = request.seeds
    _seed_all(seeds[0])
    runs = _engine(request.engine)(data, batch_size, spec, [initial_state(spec, seed) for seed in seeds])
    started = time.perf_counter()
    epochs_done, diagnostic = 0, None
    for chunk in epoch_chunks(request.epochs, request.diagnostics_every):
        runs.train(chunk)
        epochs_done += chunk
        if request.diagnostics_every:
            diagnostic = _diagnostic(data, epochs_done, *runs.diagnose())
            if epochs_done < request.epochs and report is not None:
                report(diagnostic.to_metrics())
    train_yhat, test_yhat = runs.walk_forward()
    test_rmse, train_rmse = data.test_rmse(test_yhat), data.train_rmse(train_yhat)
    share = 1 / len(seeds)  # repeats trained together share the trial's seconds equally
    fit_seconds, compile_seconds = (time.perf_counter() - started) * share, runs.compile_seconds * share
    return FinalReport(
        epoch=epochs_done,
        repeats=[
            RepeatScores(repeat, seed, float(test), float(train), fit_seconds, compile_seconds)
            for repeat, seed, test, train in zip(request.repeat_indices, seeds, test_rmse, train_rmse)
        ],
        training_rows=len(data.train),
        trimmed_rows=data.trimmed_rows,
        forecast_batch_size=runs.forecast_batch_size,
        last_diagnostic=diagnostic,
    )


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
