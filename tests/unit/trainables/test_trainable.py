import numpy as np
import pytest

from trainables.contract import TUNE_CONFIG_KEY, FinalReport, TrialRequest, TrialStatus, repeat_seed, trial_status
from trainables.data import prepare
from trainables.engines import keras_loop
from trainables.model import build_stateful_lstm, initial_state
from trainables.spec import ModelSpec
from trainables.trainable import run_trial

POINT = {"epochs": 3, "batch_size": 4, "neurons": 1}


def request(**overrides) -> TrialRequest:
    fields = dict(point=POINT, repeat_indices=(0,), base_seed=0, engine="keras", test_size=12, difference_lag=1, diagnostics_every=0)
    return TrialRequest(**fields | overrides)


def test_initial_weights_follow_keras_defaults_and_the_seed():
    kernel, recurrent, bias, dense_kernel, dense_bias = initial_state(ModelSpec(neurons=3), seed=7).weights
    assert kernel.shape == (1, 12) and recurrent.shape == (3, 12) and dense_kernel.shape == (3, 1)
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit forget bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal rows
    assert dense_bias.tolist() == [0.0]
    np.testing.assert_array_equal(initial_state(ModelSpec(neurons=3), seed=7).weights[0], kernel)
    assert not np.array_equal(initial_state(ModelSpec(neurons=3), seed=8).weights[0], kernel)


def test_stacked_layers_and_lags_keep_the_first_layers_weights():
    single = initial_state(ModelSpec(neurons=3), seed=7)
    stacked = initial_state(ModelSpec(neurons=3, layers=3, lags=2), seed=7)
    assert [w.shape for w in stacked.weights] == [(2, 12), (3, 12), (12,)] + [(3, 12), (3, 12), (12,)] * 2 + [(3, 1), (1,)]
    np.testing.assert_array_equal(stacked.weights[1], single.weights[1])  # same recurrent kernel seed
    np.testing.assert_array_equal(stacked.weights[-2], single.weights[-2])  # same head
    assert len(set(stacked.dropout_seeds)) == 3
    model = build_stateful_lstm(ModelSpec(neurons=3, layers=3, lags=2), 4, stacked)
    assert model.input_shape == (4, 1, 2) and len(model.get_weights()) == 11


def test_repeat_seed_depends_on_point_and_repeat_only():
    seeds = {repeat_seed(0, POINT, repeat) for repeat in range(30)}
    # extension axes at their defaults are not part of the point: the study keeps its seeds
    assert repeat_seed(0, POINT | {"dropout": 0.0, "optimizer": "adam", "learning_rate": 0.001}, 5) == repeat_seed(0, POINT, 5)
    assert repeat_seed(0, POINT | {"dropout": 0.1}, 5) != repeat_seed(0, POINT, 5)
    assert len(seeds) == 30
    assert repeat_seed(0, POINT, 5) == repeat_seed(0, dict(reversed(POINT.items())), 5)
    assert repeat_seed(0, POINT, 5) != repeat_seed(0, POINT | {"epochs": 4}, 5)
    assert repeat_seed(0, POINT, 5) != repeat_seed(1, POINT, 5)


@pytest.mark.parametrize("engine", ["keras", "compiled"])
def test_run_trial_directly_without_ray(shampoo, engine):
    result = run_trial(request(repeat_indices=(0, 1), engine=engine), shampoo)
    assert [row.repeat for row in result.repeats] == [0, 1]
    for row in result.repeats:
        assert np.isfinite(row.test_rmse) and row.test_rmse > 0
        assert np.isfinite(row.train_rmse) and row.fit_seconds > 0 and row.compile_seconds >= 0
        assert row.seed == repeat_seed(0, POINT, row.repeat)
    metrics = result.to_metrics()
    assert metrics["test_rmse"] == np.mean([row.test_rmse for row in result.repeats])
    assert FinalReport.from_metrics(metrics) == result  # what Tune stores reads back as the same report


@pytest.mark.parametrize("engine", ["keras", "compiled"])
def test_same_seed_same_numbers(shampoo, engine):
    first, second = (run_trial(request(repeat_indices=(3,), engine=engine), shampoo).repeats[0] for _ in range(2))
    assert first.test_rmse == second.test_rmse
    assert first.train_rmse == second.train_rmse


def test_request_round_trips_through_tunes_config_and_refuses_a_missing_key():
    original = request(repeat_indices=(2, 3), difference_lag=12)
    assert TrialRequest.from_tune({TUNE_CONFIG_KEY: original.to_tune()}) == original
    incomplete = original.to_tune()
    del incomplete["difference_lag"]
    with pytest.raises(KeyError, match="difference_lag"):
        TrialRequest.from_tune({TUNE_CONFIG_KEY: incomplete})
    stored_before_horizons = {key: value for key, value in original.to_tune().items() if key not in ("horizon", "levels")}
    assert TrialRequest.from_tune({TUNE_CONFIG_KEY: stored_before_horizons}) == original  # an older experiment resumes


@pytest.mark.parametrize(
    "metrics, failed, early_stopping, status",
    [
        ({"per_repeat": [], "epoch": 3}, False, False, TrialStatus.COMPLETED),
        ({"per_repeat": [], "epoch": 3}, True, False, TrialStatus.FAILED),
        ({"diagnostic_test_rmse": [1.0], "epoch": 3, "done": True}, False, True, TrialStatus.STOPPED),
        ({"diagnostic_test_rmse": [1.0], "epoch": 3, "done": False}, False, True, TrialStatus.UNFINISHED),  # Ctrl-C
        ({"diagnostic_test_rmse": [1.0], "epoch": 3, "done": True}, False, False, TrialStatus.UNFINISHED),
        ({}, False, True, TrialStatus.UNFINISHED),
        (None, False, False, TrialStatus.UNFINISHED),
    ],
)
def test_one_rule_decides_a_trials_outcome(metrics, failed, early_stopping, status):
    assert trial_status(metrics, failed, early_stopping) is status


def test_test_forecast_continues_the_state_warmed_on_training(shampoo):
    data = prepare(shampoo, 12)
    spec = ModelSpec(neurons=2)
    model = build_stateful_lstm(spec, 4, initial_state(spec, seed=1))
    keras_loop.train(model, data, epochs=2, batch_size=4)
    _, warmed = keras_loop.walk_forward(model, data, batch_size=4)
    cold = keras_loop.forecast(model, data, data.test, batch_size=4)
    keras_loop.reset_states(model)
    reset = keras_loop.forecast(model, data, data.test, batch_size=4)
    assert not np.allclose(warmed, reset)  # the warm-up pass changed the starting state
    assert not np.allclose(cold, reset)  # and predict carries state from call to call


def test_seasonal_lag_and_other_built_in_series_run_as_trials(shampoo):
    from sweep.data.series import load_series

    seasonal = run_trial(request(engine="compiled", test_size=6, difference_lag=12, repeat_indices=(0, 1)), shampoo)
    plain = run_trial(request(engine="compiled", test_size=6, repeat_indices=(0, 1)), shampoo)
    assert np.isfinite(seasonal.repeats[0].test_rmse) and seasonal.repeats[0].test_rmse != plain.repeats[0].test_rmse
    assert seasonal.repeats[0].training_rows == 16 and plain.repeats[0].training_rows == 28  # 23 and 28 before trimming to 4s
    sunspots = load_series("sunspots").values
    result = run_trial(request(engine="compiled", point=POINT | {"batch_size": 8}, test_size=30), sunspots)
    assert np.isfinite(result.repeats[0].test_rmse) and result.forecast_batch_size == 1 and result.repeats[0].training_rows == 272
