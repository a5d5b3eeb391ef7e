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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from trainables.backtest import (
    ForecastWindow,
    Origin,
    backtest_origins,
    horizon_scores,
    interval_scores,
    scored_steps,
    seasonal_naive_scale,
)
from trainables.contract import DiagnosticReport, FinalReport, RepeatScores, TrialRequest
from trainables.data import PooledSeries, PreparedSeries, members_of, prepare, prepare_future
from trainables.early_stopping import chosen_epochs, validation_data


@dataclass(frozen=True)
class OriginWindow:
    """One origin of one series: what a repeat trains on and is scored on there."""

    series: str
    values: np.ndarray  # the whole series, for the origin's actuals and MASE scale
    origin: Origin
    prepared: PreparedSeries

    @property
    def actual(self) -> np.ndarray:
        """The observations the origin forecasts."""
        return self.values[self.origin.test_start : self.origin.end]

    def mase_scale(self, season: int) -> float:
        """The seasonal naive's in-sample MAE on the origin's training window: MASE's, MSIS's and CRPS's denominator."""
        return seasonal_naive_scale(self.values[self.origin.start : self.origin.test_start], season)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.prepared.train), len(self.prepared.test)


def run_trial(
    request: TrialRequest, series: np.ndarray | Mapping[str, np.ndarray], report: Callable[[dict[str, Any]], None] | None = None
) -> FinalReport:
    """Fit and evaluate each repeat of one point at each forecast origin of each of the request's series.

    `series`: the one series' values, or the sweep's series by name (the request names its own).
    Every origin starts from the repeat's own initial weights and sees only the observations up to
    the end of its test window, prepared afresh (differences, a scaler fitted on its training rows,
    trimming). With the compiled engine, windows of one shape (sliding origins, series of one
    length) train side by side in one compiled call, and when a trial has several shapes they are
    padded to the longest so that one compile serves them all. With `diagnostics_every` = N > 0
    (one series, one origin), training pauses every N epochs for the protocol's diagnostic
    train/test RMSE, passed to `report` as metrics (Tune's, under Ray); they never touch the weights.
    """
    from trainables.model import initial_state

    spec, seeds = request.spec, request.seeds
    named = {request.series[0] if request.series else "": series} if isinstance(series, np.ndarray) else {
        name: series[name] for name in request.series
    }  # fmt: skip
    windows = [
        OriginWindow(name, values, origin, _prepare(request, values[origin.start : origin.end]))
        for name, values in named.items()
        for origin in backtest_origins(len(values), request.test_size, request.origins, request.origin_step, request.window)
    ]
    initial = [initial_state(spec, seed) for seed in seeds]
    pooled = spec.training == "global"
    # a unit is what one repeat lane trains on: one window, or (global) every series' window at one origin
    units = list(_aligned_by_origin(windows).values()) if pooled else [[window] for window in windows]
    if request.engine == "compiled":
        groups = list(_by_shape(units).values())
        capacity_rows = max(len(unit[0].prepared.train) for unit in units) if len(groups) > 1 else None
    else:  # the Keras loop trains one unit at a time
        groups, capacity_rows = [[unit] for unit in units], None
    rows: list[RepeatScores] = []
    validation = _validation_by_unit(request, groups, capacity_rows)
    for group in groups:
        searched = time.perf_counter()
        lane_epochs = _chosen_epochs(request, group, validation, spec, initial) if validation else None
        searched = time.perf_counter() - searched
        _seed_all(seeds[0])
        data = [PooledSeries(tuple(window.prepared for window in unit)) if pooled else unit[0].prepared for unit in group]
        runs = _engine(request.engine)(data if len(data) > 1 else data[0], request.batch_size, spec, initial, capacity_rows)
        scores, diagnostic = _fit_and_score(
            request, runs, [window for unit in group for window in unit], report, lane_epochs, searched
        )  # fmt: skip
        rows += scores
    order = {name: position for position, name in enumerate(named)}
    rows.sort(key=lambda row: (order[row.series], row.repeat, row.origin))
    if request.levels:
        rows = _with_interval_scores(request, rows, windows)
    return FinalReport(epoch=request.epochs, repeats=rows, forecast_batch_size=runs.forecast_batch_size, last_diagnostic=diagnostic)


def _with_interval_scores(request: TrialRequest, rows: list[RepeatScores], windows: list[OriginWindow]) -> list[RepeatScores]:
    """Each row with the repeat's MSIS and CRPS: its intervals calibrated on its own errors at every origin of the series."""
    by_origin = {(window.series, window.origin.index): window for window in windows}
    by_repeat: dict[tuple[str, int], list[int]] = {}
    for position, row in enumerate(rows):
        by_repeat.setdefault((row.series, row.repeat), []).append(position)
    scored = list(rows)
    for positions in by_repeat.values():
        forecast_windows = []
        for position in positions:
            window = by_origin[(rows[position].series, rows[position].origin)]
            forecasts = np.array(rows[position].forecasts)
            origin = window.origin
            forecast_windows.append(
                ForecastWindow.of_series(
                    window.values, origin.test_start, origin.end, forecasts, window.mase_scale(request.season), request.season
                )
            )
        for position, scores in zip(positions, interval_scores(forecast_windows, request.horizon, list(request.levels))):
            scored[position] = replace(rows[position], **{f"test_{metric}": value for metric, value in scores.items()})
    return scored


def _by_shape(units: list[list[OriginWindow]]) -> dict[tuple[int, int], list[list[OriginWindow]]]:
    groups: dict[tuple[int, int], list[list[OriginWindow]]] = {}
    for unit in units:
        groups.setdefault(unit[0].shape, []).append(unit)
    return groups


def _aligned_by_origin(windows: list[OriginWindow]) -> dict[int, list[OriginWindow]]:
    """A global fit's units: per origin, every series' window, cut to the training rows they share (`PooledSeries`).

    Origins are positions from each series' end, so series of different lengths pool their last windows."""
    by_origin: dict[int, list[OriginWindow]] = {}
    for window in windows:
        by_origin.setdefault(window.origin.index, []).append(window)
    aligned = {index: PooledSeries.aligned([window.prepared for window in unit]).members for index, unit in by_origin.items()}
    return {
        index: [replace(window, prepared=prepared) for window, prepared in zip(unit, aligned[index])]
        for index, unit in sorted(by_origin.items())
    }


def _validation_by_unit(request: TrialRequest, groups, capacity_rows: int | None) -> dict:
    """With `early_stopping`: each unit's validation data (by its first window's identity), and the rows every group's
    is padded to where the final fit pads (one compile for the search, as for the fit); empty without."""
    if not request.validation:
        return {}
    data = {id(unit[0]): validation_data(request, unit) for group in groups for unit in group}
    padded = None if capacity_rows is None else max(len(members_of(item)[0].train) for item in data.values())
    return {"data": data, "capacity_rows": padded}


def _chosen_epochs(request: TrialRequest, group, validation: dict, spec, initial) -> np.ndarray:
    """The group's weight lanes' epoch counts of lowest validation loss (`trainables.early_stopping`)."""
    return _searched_epochs(request, [validation["data"][id(unit[0])] for unit in group], spec, initial, validation["capacity_rows"])


def _searched_epochs(request: TrialRequest, data: list, spec, initial, capacity_rows: int | None = None) -> np.ndarray:
    """`chosen_epochs` on runs of `data` (each unit's validation data), from the repeats' own initial weights."""
    _seed_all(request.seeds[0])
    runs = _engine(request.engine)(data if len(data) > 1 else data[0], request.batch_size, spec, initial, capacity_rows)
    return chosen_epochs(request, runs, data)


def _prepare(request: TrialRequest, observations: np.ndarray) -> PreparedSeries:
    return prepare(observations, request.test_size, **request.preparation)


def _fit_and_score(
    request: TrialRequest, runs, windows: list[OriginWindow], report, lane_epochs: np.ndarray | None = None, searched: float = 0.0
):  # fmt: skip
    """Train the repeats on the given windows (side by side, when `runs` holds several), then score each window's
    walk-forward; with `lane_epochs` (early stopping) each weight lane trains its own epoch count, and the `searched`
    seconds that chose them count in the fit's."""
    started = time.perf_counter() - searched
    diagnostic = None
    if lane_epochs is None:
        diagnostic = _train(request, runs, windows[0].prepared, report)
    else:
        runs.train_lanes(lane_epochs)
    train_outputs, test_outputs = runs.walk_forward_outputs()
    train_yhat, test_yhat = train_outputs[..., 0], test_outputs[..., 0]
    steps = _steps(runs, request.horizon, test_outputs)
    fits = len(request.seeds) * len(windows)  # repeat-fits trained together share the seconds equally
    fit_seconds, compile_seconds = (time.perf_counter() - started) / fits, runs.compile_seconds / fits
    rows, chosen = [], _epochs_by_window(lane_epochs, len(windows), len(request.seeds))
    for position, window in enumerate(windows):
        lanes = slice(position * len(request.seeds), (position + 1) * len(request.seeds))
        data, origin = window.prepared, window.origin
        forecasts = _forecasts(data, test_yhat[lanes], None if steps is None else steps[lanes])
        scores = horizon_scores(window.actual, forecasts, window.mase_scale(request.season), request.horizon)
        train_rmse = data.train_rmse(train_yhat[lanes])
        rows += [
            RepeatScores(
                repeat, seed, float(scores["rmse"][i]), float(train_rmse[i]), fit_seconds, compile_seconds, origin.index,
                origin.test_start, float(scores["mae"][i]), float(scores["smape"][i]), float(scores["mase"][i]),
                len(data.train), data.trimmed_rows, [float(value) for value in forecasts[i]], window.series,
                epochs_chosen=int(chosen[position, i]),
            )
            for i, (repeat, seed) in enumerate(zip(request.repeat_indices, request.seeds))
        ]  # fmt: skip
    return rows, diagnostic


def _train(request: TrialRequest, runs, first: PreparedSeries, report) -> DiagnosticReport | None:
    """All the request's epochs, paused every `diagnostics_every` for the protocol's diagnostic of the first window (one
    series, one origin: the config refuses diagnostics otherwise), reported while training goes on; the last one."""
    epochs_done, diagnostic = 0, None
    for chunk in epoch_chunks(request.epochs, request.diagnostics_every):
        runs.train(chunk)
        epochs_done += chunk
        if request.diagnostics_every:
            diagnostic = _diagnostic(first, epochs_done, *runs.diagnose())
            if epochs_done < request.epochs and report is not None:
                report(diagnostic.to_metrics())
    return diagnostic


def _epochs_by_window(lane_epochs: np.ndarray | None, windows: int, repeats: int) -> np.ndarray:
    """(windows, repeats) each repeat's chosen epochs at each window: a weight lane's count for every series it fits (a
    global unit's), origin-major as the windows are; 0 without early stopping."""
    if lane_epochs is None:
        return np.zeros((windows, repeats), dtype=int)
    units = lane_epochs.reshape(-1, repeats)
    return np.repeat(units, windows // len(units), axis=0)


def _steps(runs, horizon: int, test_outputs: np.ndarray) -> np.ndarray | None:
    """(repeats, test rows, horizon) scaled forecasts from every cutoff: a direct model's head gave them all in the
    walk-forward, a recursive one rolls out; None at horizon 1 (the walk-forward is the forecast)."""
    if test_outputs.shape[-1] > 1:
        return test_outputs
    return runs.rollout(horizon) if horizon > 1 else None


def _forecasts(data: PreparedSeries, test_yhat: np.ndarray, steps: np.ndarray | None) -> np.ndarray:
    """(repeats, forecasts) in the series' units: the one-step walk-forward's, or each cutoff's steps (NaN past the window)."""
    if steps is None:
        return data.to_observations(test_yhat, data.test_target_index)
    observations = data.to_step_observations(steps, data.test_target_index).reshape(len(steps), -1)
    return np.where(scored_steps(len(data.test), steps.shape[-1]), observations, np.nan)


def forecast_next(
    request: TrialRequest, series: np.ndarray | Mapping[str, np.ndarray], horizon: int = 1
) -> np.ndarray | dict[str, np.ndarray]:
    """Train each repeat of the point on the whole series, then forecast the `horizon` observations after it:
    (repeats,) for one step, (repeats, horizon) for more.

    The same preparation, seeds and walk-forward as a sweep's trial, with every observation used for
    training and the one unknown value after them as the test window; beyond one step, the recursive
    forecasts a sweep's cutoffs make, from the series' end. A global point is given every series by name:
    its repeats train on all of them together, and each series gets its forecasts (a dict by name).
    """
    from trainables.model import initial_state

    spec = replace(request, horizon=horizon).spec  # a direct model is trained for the steps asked
    named = dict(series) if isinstance(series, Mapping) else {"": series}
    if len(named) > 1 and spec.training != "global":
        raise ValueError(f"a {spec.training} point forecasts one series at a time; received {len(named)}")
    prepared = [prepare_future(values, **request.preparation) for values in named.values()]
    initial = [initial_state(spec, seed) for seed in request.seeds]
    lane_epochs = _chosen_epochs_ahead(request, named, spec, initial) if request.validation else None
    _seed_all(request.seeds[0])
    data = PooledSeries.aligned(prepared) if len(prepared) > 1 else prepared[0]
    runs = _engine(request.engine)(data, request.batch_size, spec, initial)
    if lane_epochs is None:
        runs.train(request.epochs)
    else:
        runs.train_lanes(lane_epochs)
    if horizon > 1:
        steps = runs.walk_forward_outputs()[1] if spec.outputs > 1 else runs.rollout(horizon)
        lanes = steps.reshape(len(named), len(request.seeds), *steps.shape[1:])
        forecasts = {name: member.to_step_observations(lane, len(values))[:, 0, :]
                     for (name, values), member, lane in zip(named.items(), prepared, lanes)}  # fmt: skip
    else:
        lanes = runs.walk_forward()[1].reshape(len(named), len(request.seeds), -1)
        forecasts = {name: member.to_observations(lane, len(values))[:, 0]
                     for (name, values), member, lane in zip(named.items(), prepared, lanes)}  # fmt: skip
    return forecasts if isinstance(series, Mapping) else forecasts[""]


def _chosen_epochs_ahead(request: TrialRequest, named: dict[str, np.ndarray], spec, initial) -> np.ndarray:
    """With `early_stopping`, a forecast from the series' end chooses its epochs as a trial does: the last
    `validation` observations held out, each repeat's epoch count of lowest loss there."""
    prepared = [prepare(values, request.validation, **request.preparation) for values in named.values()]
    return _searched_epochs(request, [PooledSeries.aligned(prepared) if len(prepared) > 1 else prepared[0]], spec, initial)


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


def tune_trainable(
    config: dict[str, Any], series_values: dict[str, np.ndarray], publish: Callable[[str, FinalReport], bool] | None = None
) -> None:  # fmt: skip
    """Entry point for `tune.with_parameters`; the series (by name) travel through Ray's object store.

    The final report also names the node the trial ran on (node IPs can repeat: several nodes per host). `publish`
    (the driver's, by trial id) writes the repeats (scores and forecasts) where the driver reads them; when it did, the
    report carries their means alone.
    """
    import ray
    from ray import tune

    final = run_trial(TrialRequest.from_tune(config), series_values, report=tune.report)
    final = final.on_node(ray.get_runtime_context().get_node_id())
    if publish is not None and publish(tune.get_context().get_trial_id(), final):
        final = final.published()
    tune.report(final.to_metrics())
