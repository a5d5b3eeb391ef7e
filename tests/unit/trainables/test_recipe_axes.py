"""The global recipe's data axes: STL's seasonal part from each training window only, added back to forecasts; each row
divided by its last level; a transform fitted on the training window, forecasts mapped back; both engines alike, and no
forecast sees past its cutoff."""

import numpy as np
import pytest
from scipy import stats

from trainables import TrialRequest, run_trial
from trainables.data import difference, frame_supervised, prepare, prepare_future
from trainables.engines import compiled, keras_loop
from trainables.model import initial_state
from trainables.spec import ModelSpec
from trainables.transforms import Transform

HORIZON = 3


def test_stl_takes_the_season_from_the_training_window_and_forecasts_add_it_back(shampoo):
    data = prepare(shampoo, 12, stl_season=12)
    np.testing.assert_allclose(data.to_observations(data.test[:, -1], data.test_target_index), shampoo[-12:], rtol=1e-5)
    targets = np.stack([data.test[:, -1]] * HORIZON, axis=-1)  # every step's scaled target as if each were step 1
    steps = data.to_step_observations(targets[None, :1], data.test_target_index)  # the first cutoff, its known difference 3 times
    assert steps.shape == (1, 1, HORIZON) and steps[0, 0, 0] == pytest.approx(shampoo[-12], rel=1e-5)
    fitted = data.seasonal.fitted
    assert len(fitted) == 24 and np.ptp(fitted) > 0
    np.testing.assert_array_equal(data.seasonal.at(np.arange(24, 40)), fitted[np.arange(12, 28) % 12 + 12])  # last season repeated
    changed = shampoo.copy()
    changed[24:] = 0.0
    np.testing.assert_array_equal(prepare(changed, 12, stl_season=12).seasonal.fitted, fitted)  # the test window plays no part
    np.testing.assert_allclose(data.raw + data.seasonal.at(np.arange(36)), shampoo)  # the model sees the adjusted series


def test_window_normalisation_divides_each_row_by_the_last_observation_before_its_target(shampoo):
    data = prepare(shampoo, 12, lags=2, normalise="window")
    rows = frame_supervised(difference(shampoo), 2)  # row r: d[r], d[r+1] -> d[r+2], its target observation r + 3
    levels = shampoo[data.train_target_index - 1 : -13]
    np.testing.assert_allclose(data.train * levels[:, None], rows[-12 - len(data.train) : -12], rtol=1e-5)
    np.testing.assert_allclose(data.test * shampoo[-13:-1, None], rows[-12:], rtol=1e-5)
    np.testing.assert_allclose(data.to_observations(data.test[:, -1], data.test_target_index), shampoo[-12:], rtol=1e-6)
    steps = data.train_targets(3)
    np.testing.assert_allclose(steps[:-2, 2] * levels[:-2], rows[-12 - len(data.train) + 2 : -12, -1], rtol=1e-5)  # own level
    assert np.isnan(steps[-1, 1:]).all()
    future = prepare_future(shampoo, lags=2, normalise="window")  # the next row: divided by the last observation
    np.testing.assert_allclose(future.test[0, :2] * shampoo[-1], difference(shampoo)[-2:], rtol=1e-5)
    assert future.test_target_index == len(shampoo) and future.test_scaling()[1][0, 0] == np.float32(1 / shampoo[-1])
    with pytest.raises(ValueError, match="normalise: window divides each row by the series' level, which must be positive"):
        prepare(shampoo - 200, 12, normalise="window")


def test_a_transform_is_fitted_on_the_training_window_and_forecasts_come_back_in_the_series_units(shampoo):
    logged = prepare(shampoo, 12, transform="log")
    np.testing.assert_allclose(logged.raw, np.log(shampoo))  # the model sees the transformed series
    np.testing.assert_allclose(logged.to_observations(logged.test[:, -1], logged.test_target_index), shampoo[-12:], rtol=1e-5)
    np.testing.assert_allclose(logged.observed(0, 36), shampoo)
    boxed = prepare(shampoo, 12, transform="box_cox")
    assert boxed.transform.lam == pytest.approx(stats.boxcox(shampoo[:24])[1])  # scipy's maximum likelihood, training only
    changed = shampoo.copy()
    changed[24:] = 5000.0
    assert prepare(changed, 12, transform="box_cox").transform == boxed.transform  # the test window plays no part
    steps = boxed.to_step_observations(np.stack([boxed.test[:, -1]] * 2, axis=-1)[None, :1], boxed.test_target_index)
    assert steps[0, 0, 0] == pytest.approx(shampoo[-12], rel=1e-5)  # step 1 of the first cutoff: its known target
    assert Transform.fit("box_cox", np.exp(np.linspace(0, 3, 40)) ** 3).lam == 0.0  # held to [0, 1]: 1/3 would be MLE's
    assert Transform("box_cox", 0.5).inverse(np.array([-5.0]))[0] == 0.0  # below the transform's range: 0, never NaN
    with pytest.raises(ValueError, match="transform log needs positive observations; the training window holds -80.7"):
        prepare(shampoo - 200, 12, transform="log")


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_compiled_forecasts_of_box_cox_transformed_rows_are_the_keras_loops(shampoo, strategy):
    spec = ModelSpec(neurons=2, lags=2, strategy=strategy, outputs=3 if strategy == "direct" else 1)
    data = prepare(shampoo, 12, lags=2, transform="box_cox")
    compiled_steps, keras_steps = steps_of_both_engines(data, spec, seed=5)
    np.testing.assert_allclose(compiled_steps, keras_steps, rtol=1e-5, atol=1e-6)
    forecasts = data.to_step_observations(compiled_steps, data.test_target_index)
    assert np.isfinite(forecasts).all() and forecasts.min() > 0 and abs(np.log(forecasts.mean() / shampoo[-12:].mean())) < 1


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_compiled_forecasts_of_window_normalised_stl_adjusted_rows_are_the_keras_loops(shampoo, strategy):
    spec = ModelSpec(neurons=2, strategy=strategy, outputs=3 if strategy == "direct" else 1)
    data = prepare(shampoo, 12, stl_season=12, normalise="window")
    compiled_steps, keras_steps = steps_of_both_engines(data, spec, seed=7)
    np.testing.assert_allclose(compiled_steps, keras_steps, rtol=1e-5, atol=1e-6)


def steps_of_both_engines(data, spec: ModelSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(compiled, Keras) scaled multi-step forecasts after 10 epochs from the same weights: a direct model's head, or the
    recursive rollout."""
    initial = [initial_state(spec, seed=seed)]
    keras_runs, compiled_runs = keras_loop.KerasRuns(data, 4, spec, initial), compiled.CompiledRuns(data, 4, spec, initial)
    keras_runs.train(10), compiled_runs.train(10)
    if spec.outputs > 1:
        return compiled_runs.walk_forward_outputs()[1], keras_runs.walk_forward_outputs()[1]
    return compiled_runs.rollout(HORIZON), keras_runs.rollout(HORIZON)


def request(deseasonalise: str, training: str, normalise: str = "series", transform: str = "none") -> TrialRequest:
    point = {"epochs": 3, "batch_size": 2, "neurons": 2, "deseasonalise": deseasonalise, "training": training, "normalise": normalise,
             "transform": transform}  # fmt: skip
    return TrialRequest(point=point, repeat_indices=(0,), base_seed=0, engine="compiled", test_size=8, difference_lag=1,
                        diagnostics_every=0, origins=2, origin_step=4, horizon=HORIZON, season=12, series=("a", "b"))  # fmt: skip


@pytest.mark.parametrize(
    "deseasonalise, training, normalise, transform",
    [("stl", "local", "series", "none"), ("stl", "global", "series", "log"), ("seasonal_difference", "global", "series", "box_cox"),
     ("none", "local", "window", "none"), ("none", "local", "series", "box_cox")],
)  # fmt: skip
def test_no_forecast_moves_when_the_observations_after_its_cutoff_change(shampoo, deseasonalise, training, normalise, transform):
    catalogue = {"a": shampoo, "b": shampoo[::-1] + 100}
    changed = dict(catalogue, a=np.concatenate([shampoo[:-5], np.random.default_rng(0).uniform(100, 900, 5)]))
    before, after = (run_trial(request(deseasonalise, training, normalise, transform), data).repeats for data in (catalogue, changed))
    assert request(deseasonalise, training).preparation["difference_lag"] == (12 if deseasonalise == "seasonal_difference" else 1)
    for old, new in zip(before, after):
        if old.series == "b" or old.origin == 0:
            np.testing.assert_array_equal(new.forecasts, old.forecasts)
            continue
        known = (8 - 6 + 1) * HORIZON  # the cutoffs before the change
        np.testing.assert_array_equal(new.forecasts[:known], old.forecasts[:known])
        assert not np.allclose(new.forecasts[known:], old.forecasts[known:], equal_nan=True)
