"""The study's model, `LSTM(neurons, stateful=True) -> Dense(1)`, stacked and regularised as a point asks; a direct
(MIMO) model's head is `Dense(horizon)`, every step from the last state.

Initial weights and dropout seeds are drawn once per trial seed, with Keras's own default
initializers, so every engine starts a repeat from exactly the same point and drops the same units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainables.spec import ModelSpec


@dataclass(frozen=True)
class InitialState:
    weights: list[np.ndarray]  # in `Model.get_weights()` order
    dropout_seeds: list[int]  # one per LSTM layer: the seed of its Keras dropout SeedGenerator


def initial_state(spec: ModelSpec, seed: int) -> InitialState:
    """Keras-default initial weights: per LSTM layer [kernel (inputs, 4n), recurrent_kernel (n, 4n), bias (4n,)],
    then [dense_kernel (n, outputs), dense_bias (outputs,)]: glorot-uniform kernels, orthogonal recurrent kernels and a
    unit forget-gate bias.

    The first three seeds are the single-layer study's, so its repeats keep their weights.
    """
    import keras

    n = spec.neurons
    states = [int(value) for value in np.random.SeedSequence(seed).generate_state(3 + 3 * spec.layers - 2)]
    kernel_seeds = [states[0], *states[3 : 2 * spec.layers + 1 : 2]]
    recurrent_seeds = [states[1], *states[4 : 2 * spec.layers + 1 : 2]]
    bias = np.zeros(4 * n, dtype=np.float32)
    bias[n : 2 * n] = 1.0  # gate order i, f, c, o: unit_forget_bias
    weights = []
    for layer in range(spec.layers):
        weights += [
            np.asarray(keras.initializers.GlorotUniform(seed=kernel_seeds[layer])((spec.layer_inputs(layer), 4 * n))),
            np.asarray(keras.initializers.Orthogonal(seed=recurrent_seeds[layer])((n, 4 * n))),
            bias.copy(),
        ]
    head = (n, spec.outputs)
    weights += [np.asarray(keras.initializers.GlorotUniform(seed=states[2])(head)), np.zeros(spec.outputs, dtype=np.float32)]
    return InitialState(weights=weights, dropout_seeds=[value % 2**31 for value in states[2 * spec.layers + 1 :]])


def build_stateful_lstm(spec: ModelSpec, batch_size: int, initial: InitialState, compile: bool = True):
    """The model on input `(batch_size, timesteps, lags)`, compiled with the point's loss and optimizer."""
    import keras

    regularizer = spec.keras_regularizer()
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, spec.timesteps, spec.lags)),
            *(
                keras.layers.LSTM(
                    spec.neurons,
                    stateful=True,
                    return_sequences=layer < spec.layers - 1,
                    dropout=spec.dropout,
                    recurrent_dropout=spec.recurrent_dropout,
                    kernel_regularizer=regularizer,
                    recurrent_regularizer=regularizer,
                    seed=initial.dropout_seeds[layer],
                )
                for layer in range(spec.layers)
            ),
            keras.layers.Dense(spec.outputs),
        ]
    )
    model.set_weights(initial.weights)
    if compile:
        model.compile(loss=spec.keras_loss(), optimizer=spec.keras_optimizer())
    return model


def reset_states(model) -> None:
    """Keras 3 dropped `Model.reset_states()`: reset each stateful layer instead."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()
