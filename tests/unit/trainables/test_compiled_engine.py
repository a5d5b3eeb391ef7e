"""The compiled engine's proof: the Keras loop's numbers from the same initial weights, compiled once.

Every search-space axis is covered: the reference axes over 60 epochs (40 at batch 2 and 4), and each extension on a
short run that is still long enough for a wrong dropout mask, penalty or update rule to show.
"""

import numpy as np
import pytest

from trainables.data import prepare
from trainables.engines import compiled, keras_loop
from trainables.model import build_stateful_lstm, initial_state
from trainables.spec import ModelSpec

EPOCHS = 60  # at batch 1: 1,380 weight updates, long enough for any drift between the two engines to build up
EPOCHS_BATCHED = 40  # at batch 2 and 4: still 230-460 updates, at a fraction of the suite's time
EXTENSION_EPOCHS = 20  # at batch 4 about 100 updates: a wrong mask, penalty or update rule shows from the first


def compiled_run(data, epochs, batch_size, spec, initial):
    """(compile seconds, train forecasts, test forecasts) of one compiled training run."""
    runs = compiled.CompiledRuns(data, batch_size, spec, initial)
    runs.train(epochs)
    return runs.compile_seconds, *runs.walk_forward()


def keras_run(data, epochs, batch_size, spec, initial):
    runs = keras_loop.KerasRuns(data, batch_size, spec, [initial])
    runs.train(epochs)
    return runs.walk_forward()


def assert_same_forecasts(data, keras_forecasts, compiled_forecasts):
    (keras_train, keras_test), (train_yhat, test_yhat) = keras_forecasts, compiled_forecasts
    np.testing.assert_allclose(test_yhat, keras_test, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(train_yhat, keras_train, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(data.test_rmse(test_yhat), data.test_rmse(keras_test), rtol=1e-4)


@pytest.fixture(scope="module")
def data(shampoo):
    return prepare(shampoo, 12)


@pytest.mark.parametrize("batch_size, neurons", [(1, 1), (2, 1), (4, 1), (1, 3), (4, 3)])  # batch 1, 2, 4 at 1 unit; 1 and 4 at 3
def test_same_numbers_as_the_keras_loop(data, batch_size, neurons):
    spec = ModelSpec(neurons=neurons)
    initial = initial_state(spec, seed=100 * batch_size + neurons)
    epochs = EPOCHS if batch_size == 1 else EPOCHS_BATCHED
    keras_forecasts = keras_run(data, epochs, batch_size, spec, initial)
    _, *compiled_forecasts = compiled_run(data, epochs, batch_size, spec, [initial])
    assert_same_forecasts(data, keras_forecasts, compiled_forecasts)
    # the weights moved: this is a trained model, not two copies of the initial one
    untrained = keras_run(data, 0, batch_size, spec, initial)
    assert data.test_rmse(keras_forecasts[1]) != pytest.approx(data.test_rmse(untrained[1]))


EXTENSIONS = {
    "lags": dict(lags=3),
    "timesteps": dict(timesteps=3),
    "lags_and_timesteps": dict(lags=2, timesteps=2),
    "layers": dict(layers=2, neurons=3),
    "dropout": dict(dropout=0.3, neurons=3),
    "recurrent_dropout": dict(recurrent_dropout=0.3, neurons=3),
    "both_dropouts_stacked": dict(dropout=0.2, recurrent_dropout=0.2, layers=2, neurons=2),
    "l1": dict(l1=0.01, neurons=2),
    "l2": dict(l2=0.01, neurons=2),
    "sgd": dict(optimizer="sgd", learning_rate=0.1),
    "rmsprop": dict(optimizer="rmsprop"),
    "adam_learning_rate": dict(learning_rate=0.01),
    "mae": dict(loss="mae"),
    "huber": dict(loss="huber", learning_rate=0.01),
}


@pytest.mark.parametrize("axes", EXTENSIONS.values(), ids=EXTENSIONS.keys())
def test_each_extension_gives_the_keras_loops_numbers(shampoo, axes):
    spec = ModelSpec(**({"neurons": 1} | axes))
    data = prepare(shampoo, 12, lags=spec.lags, timesteps=spec.timesteps)
    initial = initial_state(spec, seed=7)
    keras_forecasts = keras_run(data, EXTENSION_EPOCHS, 4, spec, initial)
    _, *compiled_forecasts = compiled_run(data, EXTENSION_EPOCHS, 4, spec, [initial])
    assert_same_forecasts(data, keras_forecasts, compiled_forecasts)
    # the axis changes the numbers: a run without it ends elsewhere
    baseline_spec = ModelSpec(neurons=spec.neurons, layers=spec.layers, lags=spec.lags, timesteps=spec.timesteps)
    if baseline_spec != spec:
        _, _, baseline = compiled_run(data, EXTENSION_EPOCHS, 4, baseline_spec, [initial_state(baseline_spec, seed=7)])
        assert not np.allclose(baseline, compiled_forecasts[1], rtol=1e-3)


def test_dropout_masks_stay_in_step_through_diagnostics(data):
    """Keras draws masks even when forecasting; the compiled engine must skip the same draws."""
    spec = ModelSpec(neurons=2, dropout=0.3, recurrent_dropout=0.3)
    initial = initial_state(spec, seed=11)
    engines = [keras_loop.KerasRuns(data, 4, spec, [initial]), compiled.CompiledRuns(data, 4, spec, [initial])]
    for runs in engines:
        for _ in range(3):
            runs.train(10)
            runs.diagnose()
    keras_runs, compiled_runs = engines
    assert_same_forecasts(data, keras_runs.walk_forward(), compiled_runs.walk_forward())


@pytest.mark.parametrize("batch_size", [3, 8])
def test_batch_sizes_that_do_not_split_the_data_train_trimmed_and_forecast_one_by_one(shampoo, batch_size):
    data = prepare(shampoo, 12, batch_size=batch_size)
    assert len(data.train) % batch_size == 0 and data.trimmed_rows > 2
    spec = ModelSpec(neurons=2)
    initial = initial_state(spec, seed=5)
    keras_runs = keras_loop.KerasRuns(data, batch_size, spec, [initial])
    compiled_runs = compiled.CompiledRuns(data, batch_size, spec, [initial])
    assert keras_runs.forecast_batch_size == compiled_runs.forecast_batch_size == (1 if 12 % batch_size else batch_size)
    for runs in (keras_runs, compiled_runs):
        runs.train(EXTENSION_EPOCHS)
    keras_forecasts = keras_runs.walk_forward()
    assert keras_forecasts[1].shape == (1, 12)
    assert_same_forecasts(data, keras_forecasts, compiled_runs.walk_forward())


def test_batch_one_copy_forecasts_like_the_model_it_copies(data):
    """Batch 1 divides everything: the copy must reproduce the trained model's own walk-forward exactly."""
    spec = ModelSpec(neurons=3, layers=2)
    initial = initial_state(spec, seed=3)
    model = build_stateful_lstm(spec, 1, initial)
    keras_loop.train(model, data, 20, 1)
    copy = keras_loop.batch_one_copy(model, spec, initial)
    own, copied = keras_loop.walk_forward(model, data, 1), keras_loop.walk_forward(copy, data, 1)
    np.testing.assert_array_equal(own[0], copied[0])
    np.testing.assert_array_equal(own[1], copied[1])


def test_batch_one_copy_of_a_batch_four_model_is_each_of_its_lanes(data):
    """With batch 4 the model keeps one state per lane; fed the same rows on every lane, each lane is the copy."""
    spec = ModelSpec(neurons=2)
    initial = initial_state(spec, seed=4)
    model = build_stateful_lstm(spec, 4, initial)
    keras_loop.train(model, data, 20, 4)
    copy = keras_loop.batch_one_copy(model, spec, initial)
    samples = data.samples(data.test)
    lanes = np.stack([model.predict(np.repeat(sample[None], 4, axis=0), batch_size=4, verbose=0)[:, 0] for sample in samples])
    one_by_one = np.stack([copy.predict(sample[None], batch_size=1, verbose=0)[0, 0] for sample in samples])
    np.testing.assert_allclose(lanes, np.repeat(one_by_one[:, None], 4, axis=1), rtol=1e-6, atol=1e-7)


def test_repeats_trained_together_match_each_trained_alone(data):
    spec = ModelSpec(neurons=2, dropout=0.2)
    initial = [initial_state(spec, seed) for seed in (1, 2, 3)]
    _, _, together = compiled_run(data, 200, 2, spec, initial)
    for repeat, state in enumerate(initial):
        _, _, alone = compiled_run(data, 200, 2, spec, [state])
        np.testing.assert_allclose(together[repeat], alone[0], rtol=1e-5, atol=1e-6)


def test_compiles_once_per_shape_whatever_the_epochs(data, monkeypatch):
    monkeypatch.setattr(compiled, "_COMPILED", compiled.OrderedDict())  # a fresh worker, whatever earlier tests compiled
    spec = ModelSpec(neurons=4)
    initial = [initial_state(spec, seed=9)]
    first = compiled_run(data, 5, 4, spec, initial)
    again = [compiled_run(data, epochs, 4, spec, initial) for epochs in (5, 50, 500)]
    assert first[0] > 0
    assert [compile_seconds for compile_seconds, _, _ in again] == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(again[0][2], first[2])  # a reused function starts afresh
    assert not np.allclose(again[1][2], again[2][2])
    assert compiled_run(data, 5, 2, spec, initial)[0] > 0  # a new batch size is a new shape
