import numpy as np
import pytest

from trainables.data import prepare
from trainables.engines import keras_loop
from trainables.model import initial_weights
from trainables.trainable import run_trial, trial_seed

POINT = {"epochs": 3, "batch_size": 4, "neurons": 1}


def trial_config(**overrides):
    return {"point": POINT, "repeats": [0], "seed": 0, "engine": "keras", "test_size": 12} | overrides


def test_initial_weights_follow_keras_defaults_and_the_seed():
    kernel, recurrent, bias, dense_kernel, dense_bias = initial_weights(3, seed=7)
    assert kernel.shape == (1, 12) and recurrent.shape == (3, 12) and dense_kernel.shape == (3, 1)
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit forget bias
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal rows
    assert dense_bias.tolist() == [0.0]
    np.testing.assert_array_equal(initial_weights(3, seed=7)[0], kernel)
    assert not np.array_equal(initial_weights(3, seed=8)[0], kernel)


def test_trial_seed_depends_on_point_and_repeat_only():
    seeds = {trial_seed(0, POINT, repeat) for repeat in range(30)}
    assert len(seeds) == 30
    assert trial_seed(0, POINT, 5) == trial_seed(0, dict(reversed(POINT.items())), 5)
    assert trial_seed(0, POINT, 5) != trial_seed(0, POINT | {"epochs": 4}, 5)
    assert trial_seed(0, POINT, 5) != trial_seed(1, POINT, 5)


@pytest.mark.parametrize("engine", ["keras", "compiled"])
def test_run_trial_directly_without_ray(shampoo, engine):
    result = run_trial(trial_config(repeats=[0, 1], engine=engine), shampoo)
    assert [row["repeat"] for row in result["per_repeat"]] == [0, 1]
    for row in result["per_repeat"]:
        assert np.isfinite(row["test_rmse"]) and row["test_rmse"] > 0
        assert np.isfinite(row["train_rmse"]) and row["fit_seconds"] > 0 and row["compile_seconds"] >= 0
        assert row["seed"] == trial_seed(0, POINT, row["repeat"])
    assert result["test_rmse"] == np.mean([row["test_rmse"] for row in result["per_repeat"]])


@pytest.mark.parametrize("engine", ["keras", "compiled"])
def test_same_seed_same_numbers(shampoo, engine):
    first, second = (run_trial(trial_config(repeats=[3], engine=engine), shampoo)["per_repeat"][0] for _ in range(2))
    assert first["test_rmse"] == second["test_rmse"]
    assert first["train_rmse"] == second["train_rmse"]


def test_test_forecast_continues_the_state_warmed_on_training(shampoo):
    data = prepare(shampoo, 12)
    model = keras_loop.build_stateful_lstm(4, 2, initial_weights(2, seed=1))
    keras_loop.train(model, data, epochs=2, batch_size=4)
    _, warmed = keras_loop.walk_forward(model, data, batch_size=4)
    cold = model.predict(keras_loop.as_lstm_input(data.test[:, 0]), batch_size=4, verbose=0)[:, 0]
    keras_loop.reset_states(model)
    reset = model.predict(keras_loop.as_lstm_input(data.test[:, 0]), batch_size=4, verbose=0)[:, 0]
    assert not np.allclose(warmed, reset)  # the warm-up pass changed the starting state
    assert not np.allclose(cold, reset)  # and predict carries state from call to call
