"""The study's model, `LSTM(neurons, stateful=True) -> Dense(1)`, and its seeded initial weights.

Initial weights are drawn once per trial seed by `initial_weights`, with Keras's own default
initializers, so every engine starts a repeat from exactly the same point.
"""

from __future__ import annotations

import numpy as np


def initial_weights(neurons: int, seed: int) -> list[np.ndarray]:
    """Keras-default initial weights in `Model.get_weights()` order.

    Returns [kernel (1, 4n), recurrent_kernel (n, 4n), bias (4n,), dense_kernel (n, 1), dense_bias (1,)]:
    glorot-uniform kernels, an orthogonal recurrent kernel and a unit forget-gate bias.
    """
    import keras

    kernel_seed, recurrent_seed, dense_seed = np.random.SeedSequence(seed).generate_state(3)
    bias = np.zeros(4 * neurons, dtype=np.float32)
    bias[neurons : 2 * neurons] = 1.0  # gate order i, f, c, o: unit_forget_bias
    return [
        np.asarray(keras.initializers.GlorotUniform(seed=int(kernel_seed))((1, 4 * neurons))),
        np.asarray(keras.initializers.Orthogonal(seed=int(recurrent_seed))((neurons, 4 * neurons))),
        bias,
        np.asarray(keras.initializers.GlorotUniform(seed=int(dense_seed))((neurons, 1))),
        np.zeros(1, dtype=np.float32),
    ]


def build_stateful_lstm(batch_size: int, neurons: int, weights: list[np.ndarray]):
    """The protocol's model on input `(batch_size, timesteps=1, features=1)`, compiled with MSE and Adam."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, 1, 1)),
            keras.layers.LSTM(neurons, stateful=True),
            keras.layers.Dense(1),
        ]
    )
    model.set_weights(weights)
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model


def reset_states(model) -> None:
    """Keras 3 dropped `Model.reset_states()`: reset each stateful layer instead."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()
