"""The compiled engine's proof: the Keras loop's numbers from the same initial weights, compiled once."""

import numpy as np
import pytest

from trainables.data import prepare
from trainables.engines import compiled, keras_loop
from trainables.model import initial_weights

EPOCHS = 300  # long enough for any drift between the two engines to build up


def compiled_run(data, epochs, batch_size, neurons, weights):
    """(compile seconds, train forecasts, test forecasts) of one compiled training run."""
    runs = compiled.CompiledRuns(data, batch_size, neurons, weights)
    runs.train(epochs)
    return runs.compile_seconds, *runs.walk_forward()


@pytest.fixture(scope="module")
def data(shampoo):
    return prepare(shampoo, 12)


@pytest.mark.parametrize("batch_size", [1, 2, 4])
@pytest.mark.parametrize("neurons", [1, 3])
def test_same_numbers_as_the_keras_loop(data, batch_size, neurons):
    weights = initial_weights(neurons, seed=100 * batch_size + neurons)
    model = keras_loop.build_stateful_lstm(batch_size, neurons, weights)
    keras_loop.train(model, data, EPOCHS, batch_size)
    keras_train, keras_test = keras_loop.walk_forward(model, data, batch_size)

    _, train_yhat, test_yhat = compiled_run(data, EPOCHS, batch_size, neurons, [weights])
    np.testing.assert_allclose(test_yhat[0], keras_test, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(train_yhat[0], keras_train, rtol=1e-4, atol=1e-6)
    assert data.test_rmse(test_yhat[0]) == pytest.approx(data.test_rmse(keras_test), rel=1e-4)
    # the weights moved: this is a trained model, not two copies of the initial one
    assert data.test_rmse(keras_test) != pytest.approx(data.test_rmse(keras_loop_untrained(data, batch_size, neurons, weights)))


def keras_loop_untrained(data, batch_size, neurons, weights):
    return keras_loop.walk_forward(keras_loop.build_stateful_lstm(batch_size, neurons, weights), data, batch_size)[1]


def test_repeats_trained_together_match_each_trained_alone(data):
    weights = [initial_weights(2, seed) for seed in (1, 2, 3)]
    _, _, together = compiled_run(data, 200, 2, 2, weights)
    for repeat, initial in enumerate(weights):
        _, _, alone = compiled_run(data, 200, 2, 2, [initial])
        np.testing.assert_allclose(together[repeat], alone[0], rtol=1e-5, atol=1e-7)


def test_compiles_once_per_shape_whatever_the_epochs(data):
    weights = [initial_weights(4, seed=9)]
    first = compiled_run(data, 5, 4, 4, weights)
    again = [compiled_run(data, epochs, 4, 4, weights) for epochs in (5, 50, 500)]
    assert first[0] > 0
    assert [compile_seconds for compile_seconds, _, _ in again] == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(again[0][2], first[2])  # a reused function starts afresh
    assert not np.allclose(again[1][2], again[2][2])
    assert compiled_run(data, 5, 2, 4, weights)[0] > 0  # a new batch size is a new shape
