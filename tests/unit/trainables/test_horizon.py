"""Multi-step forecasts from every cutoff: the compiled rollout is the Keras loop's, and no forecast sees past its cutoff."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from trainables import TrialRequest, forecast_next, run_trial
from trainables.backtest import Origin, forecast_scores, horizon_scores, scored_steps
from trainables.baselines import arima_fit, baseline_forecast, baseline_next, ets_fit
from trainables.data import prepare
from trainables.engines import compiled, keras_loop
from trainables.model import initial_state
from trainables.spec import ModelSpec

HORIZON = 4
SHAPES = {  # (model, batch size, difference lag): lanes of 4, samples of two steps, stacked layers over a lag of 2
    "batch_4": (ModelSpec(neurons=2), 4, 1),
    "lags_timesteps": (ModelSpec(neurons=1, lags=2, timesteps=2), 2, 1),
    "layers_lag_2": (ModelSpec(neurons=2, layers=2), 3, 2),
}


@pytest.mark.parametrize("spec, batch_size, difference_lag", SHAPES.values(), ids=SHAPES.keys())
def test_compiled_rollout_is_the_keras_loops_and_starts_with_the_walk_forward(shampoo, spec, batch_size, difference_lag):
    data = prepare(shampoo, 12, lags=spec.lags, timesteps=spec.timesteps, batch_size=batch_size, difference_lag=difference_lag)
    initial = initial_state(spec, seed=3)
    keras_runs = keras_loop.KerasRuns(data, batch_size, spec, [initial])
    compiled_runs = compiled.CompiledRuns(data, batch_size, spec, [initial])
    keras_runs.train(5), compiled_runs.train(5)
    keras_steps, compiled_steps = keras_runs.rollout(HORIZON), compiled_runs.rollout(HORIZON)
    assert compiled_steps.shape == (1, 12, HORIZON)
    np.testing.assert_allclose(compiled_steps, keras_steps, rtol=1e-5, atol=1e-6)
    # step 1 of each cutoff is the walk-forward's one-step forecast of the next observation
    np.testing.assert_allclose(compiled_steps[:, :, 0], compiled_runs.walk_forward()[1], atol=1e-6)
    one_step = data.to_observations(compiled_runs.walk_forward()[1], data.test_target_index)
    np.testing.assert_allclose(data.to_step_observations(compiled_steps, data.test_target_index)[..., 0], one_step, atol=1e-3)
    assert np.ptp(compiled_steps[0, 0]) > 0  # later steps are forecasts of their own, not copies of the first


DIRECT_SHAPES = {  # a head of HORIZON outputs trained on targets that stop at the training window, with what it varies
    "batch_4_mae": (ModelSpec(neurons=2, strategy="direct", outputs=HORIZON, loss="mae"), 4),
    "layers_dropout_batch_3": (ModelSpec(neurons=2, layers=2, dropout=0.2, strategy="direct", outputs=HORIZON), 3),
}


@pytest.mark.parametrize("spec, batch_size", DIRECT_SHAPES.values(), ids=DIRECT_SHAPES.keys())
def test_compiled_direct_model_is_the_keras_loops(shampoo, spec, batch_size):
    data = prepare(shampoo, 12, batch_size=batch_size)
    targets = data.train_targets(HORIZON)
    assert np.isnan(targets[-1, 1:]).all() and not np.isnan(targets[: -HORIZON + 1]).any()  # nothing past the training window
    np.testing.assert_array_equal(targets[:-1, 1], targets[1:, 0])
    initial = initial_state(spec, seed=5)
    keras_runs = keras_loop.KerasRuns(data, batch_size, spec, [initial])
    compiled_runs = compiled.CompiledRuns(data, batch_size, spec, [initial])
    keras_runs.train(20), compiled_runs.train(20)
    (keras_train, keras_test), (compiled_train, compiled_test) = keras_runs.walk_forward_outputs(), compiled_runs.walk_forward_outputs()
    assert compiled_test.shape == (1, 12, HORIZON) and compiled_train.shape == (1, len(data.train), HORIZON)
    np.testing.assert_allclose(compiled_test, keras_test, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(compiled_train, keras_train, rtol=1e-5, atol=1e-6)
    untrained = compiled.CompiledRuns(data, batch_size, spec, [initial]).walk_forward_outputs()[1]
    assert not np.allclose(untrained[..., 1:], compiled_test[..., 1:], atol=1e-3)  # the later steps' outputs were trained


def request(engine: str, horizon: int, strategy: str = "recursive") -> TrialRequest:
    point = {"epochs": 3, "batch_size": 4, "neurons": 2, "strategy": strategy}
    return TrialRequest(point=point, repeat_indices=(0,), base_seed=0, engine=engine, test_size=8, difference_lag=1,
                        diagnostics_every=0, origins=2, origin_step=4, horizon=horizon)  # fmt: skip


@pytest.mark.parametrize(
    "engine, strategy", [("compiled", "recursive"), ("keras", "recursive"), ("compiled", "direct"), ("keras", "direct")]
)
def test_no_lstm_forecast_moves_when_every_observation_after_its_cutoff_changes(shampoo, engine, strategy):
    cutoff = len(shampoo) - 6  # the last origin's test window starts at len - 8: its cutoffs 0, 1 and 2 know up to here
    changed = shampoo.copy()
    changed[cutoff + 1 :] = np.random.default_rng(0).uniform(100, 900, len(shampoo) - cutoff - 1)
    before, after = (run_trial(request(engine, HORIZON, strategy), series).repeats for series in (shampoo, changed))
    last_origin = [(old, new) for old, new in zip(before, after) if old.origin == 1]
    for old, new in last_origin:
        known = (cutoff + 1 - old.test_start + 1) * HORIZON  # cutoffs up to `cutoff`, each HORIZON forecasts
        np.testing.assert_array_equal(np.array(new.forecasts[:known]), np.array(old.forecasts[:known]))
        assert not np.allclose(np.array(new.forecasts[known:]), np.array(old.forecasts[known:]), equal_nan=True)
    for old, new in ((old, new) for old, new in zip(before, after) if old.origin == 0):  # every cutoff of it is before the change
        np.testing.assert_array_equal(np.array(new.forecasts), np.array(old.forecasts))


@pytest.mark.parametrize("baseline", ["naive", "seasonal_naive", "ets", "arima"])
def test_no_baseline_forecast_moves_when_every_observation_after_its_cutoff_changes(shampoo, baseline):
    origin = Origin(0, 0, 24, 36)
    cutoff = 27
    changed = shampoo.copy()
    changed[cutoff + 1 :] = np.random.default_rng(1).uniform(100, 900, len(shampoo) - cutoff - 1)
    old, new = (baseline_forecast(baseline, series, origin, 12, HORIZON) for series in (shampoo, changed))
    assert old.error is None and new.error is None
    known = (cutoff + 1 - origin.test_start + 1) * HORIZON
    np.testing.assert_array_equal(new.forecasts[:known], old.forecasts[:known])
    if baseline != "seasonal_naive":  # its later forecasts reach back a season, to before the change: they stay too
        assert not np.allclose(new.forecasts[known:], old.forecasts[known:], equal_nan=True)


def test_ets_and_arima_forecast_what_statsmodels_forecasts_from_the_same_fit(shampoo):
    origin, horizon = Origin(0, 0, 24, 36), 12
    for name, fit_of in (("ets", ets_fit), ("arima", arima_fit)):
        fit, _ = fit_of(shampoo[:24], 12)
        first_cutoff = baseline_forecast(name, shampoo, origin, 12, horizon).forecasts[:horizon]
        np.testing.assert_allclose(first_cutoff, np.asarray(fit.forecast(horizon)), rtol=1e-9)


def test_each_baselines_predictive_deviation_is_its_models_own(shampoo):
    """naive and seasonal naive: FPP3's sigma * sqrt(h) and sigma * sqrt(k + 1); ETS and ARIMA: statsmodels' forecast
    variance of the fit at the origin, brought up to each cutoff with its parameters (its error variance too) held fixed."""
    origin, horizon, training = Origin(0, 0, 24, 36), 12, 24
    deviations = {name: np.array(baseline_forecast(name, shampoo, origin, 12, horizon).deviations).reshape(12, horizon)
                  for name in ("naive", "ets", "arima")}  # fmt: skip
    steps = np.arange(1, horizon + 1)
    sigma = np.sqrt(np.mean(np.diff(shampoo[:training]) ** 2))
    np.testing.assert_allclose(deviations["naive"][0], sigma * np.sqrt(steps))
    quarterly = np.array(baseline_forecast("seasonal_naive", shampoo, origin, 4, horizon).deviations).reshape(12, horizon)
    seasonal_sigma = np.sqrt(np.mean((shampoo[4:training] - shampoo[: training - 4]) ** 2))
    np.testing.assert_allclose(quarterly[0], seasonal_sigma * np.sqrt([1] * 4 + [2] * 4 + [3] * 4))  # k whole seasons back
    ets, options = ets_fit(shampoo[:training], 12)
    indexed = ETSModel(pd.Series(shampoo[:training]), **options).smooth(ets.params)
    variances = indexed.get_prediction(start=training, end=training + horizon - 1).forecast_variance
    np.testing.assert_allclose(deviations["ets"][0], np.sqrt(variances), rtol=1e-9)
    arima, _ = arima_fit(shampoo[:training], 12)
    for cutoff in (0, 7):
        expected = arima.apply(shampoo[: training + cutoff]).get_forecast(horizon).se_mean
        np.testing.assert_allclose(deviations["arima"][cutoff][: 12 - cutoff], expected[: 12 - cutoff], rtol=1e-9)
    assert all(np.isnan(values[11, 1:]).all() for values in deviations.values())  # past the window: no forecast, no deviation
    assert deviations["ets"][0, 0] == pytest.approx(np.sqrt(ets.scale))  # ETS's one-step variance is the fit's own


def test_seasonal_naive_forecasts_each_observation_as_its_one_step_forecast_does(shampoo):
    origin, season = Origin(0, 0, 24, 36), 12
    one_step = np.array(baseline_forecast("seasonal_naive", shampoo, origin, season).forecasts)
    steps = np.array(baseline_forecast("seasonal_naive", shampoo, origin, season, season).forecasts).reshape(12, season)
    for cutoff in range(12):
        for h in range(1, season + 1):
            if cutoff + h <= 12:
                assert steps[cutoff, h - 1] == one_step[cutoff + h - 1]


def test_horizon_scores_cover_every_step_inside_the_window_and_are_the_one_step_scores_at_horizon_one():
    actual = np.arange(1.0, 9.0)
    forecasts = np.vstack([actual + 1, actual * 2])
    assert {key: list(value) for key, value in horizon_scores(actual, forecasts, 2.0).items()} == {
        key: list(value) for key, value in forecast_scores(actual, forecasts, 2.0).items()
    }
    assert scored_steps(8, 3).sum() == 8 + 7 + 6
    perfect = np.tile(np.arange(3), 8) + np.repeat(np.arange(8), 3) + 1.0  # cutoff k, step h targets actual[k + h - 1]
    assert horizon_scores(actual, np.where(scored_steps(8, 3), perfect, np.nan), 1.0, 3)["mae"] == 0


def test_the_winners_forecast_from_the_series_end_starts_with_its_next_value_forecast(shampoo):
    request = TrialRequest(point={"epochs": 4, "batch_size": 4, "neurons": 2}, repeat_indices=(0, 1), base_seed=0,
                           engine="compiled", test_size=12, difference_lag=1, diagnostics_every=0)  # fmt: skip
    ahead = forecast_next(request, shampoo, 6)
    assert ahead.shape == (2, 6)
    np.testing.assert_allclose(ahead[:, 0], forecast_next(request, shampoo), rtol=1e-6)
    for name, fit_of in (("ets", ets_fit), ("arima", arima_fit)):  # the baselines' own forecast(H) of a fit on all of it
        np.testing.assert_allclose(baseline_next(name, shampoo, 12, 6).forecasts, fit_of(shampoo, 12)[0].forecast(6), rtol=1e-9)


def test_a_direct_winner_is_trained_for_the_steps_asked_and_forecasts_them_from_the_series_end(shampoo):
    point = {"epochs": 4, "batch_size": 4, "neurons": 2, "strategy": "direct"}
    request = TrialRequest(point=point, repeat_indices=(0, 1), base_seed=0, engine="compiled", test_size=12, difference_lag=1,
                           diagnostics_every=0, horizon=4)  # fmt: skip
    ahead = forecast_next(request, shampoo, 6)
    assert ahead.shape == (2, 6) and np.isfinite(ahead).all()
    np.testing.assert_allclose(ahead, forecast_next(TrialRequest(**{**request.__dict__, "engine": "keras"}), shampoo, 6), rtol=1e-5)
