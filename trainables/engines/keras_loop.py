"""The study's own training loop: `model.fit` for one epoch, reset the state, repeat.

This is the reference every faster engine is checked against.
"""

from __future__ import annotations

import time

import numpy as np

from trainables.data import PreparedSeries
from trainables.model import build_stateful_lstm, reset_states


def as_lstm_input(column: np.ndarray) -> np.ndarray:
    """(rows,) -> (rows, timesteps=1, features=1)."""
    return column.reshape(-1, 1, 1)


def train(model, data: PreparedSeries, epochs: int, batch_size: int):
    """Fit the stateful model epoch by epoch, in row order, resetting state after each epoch."""
    x, y = as_lstm_input(data.train[:, 0]), data.train[:, 1]
    for _ in range(epochs):
        model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0, shuffle=False)
        reset_states(model)


def walk_forward(model, data: PreparedSeries, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Warm the state on the training inputs, then forecast the test inputs in one shot.

    Returns scaled one-step forecasts: train (n_train,) from the warming pass, test (test_size,).
    """
    return forecast(model, data.train[:, 0], batch_size), forecast(model, data.test[:, 0], batch_size)


def forecast(model, inputs: np.ndarray, batch_size: int) -> np.ndarray:
    """(rows,) scaled inputs -> (rows,) one-step forecasts, continuing the model's current state."""
    return model.predict(as_lstm_input(inputs), batch_size=batch_size, verbose=0)[:, 0]



class KerasRuns:
    """Repeats of one point, one Keras model each: `train` in chunks, `diagnose` between, `walk_forward` at the end."""

    def __init__(self, data: PreparedSeries, batch_size: int, neurons: int, weights: list[list[np.ndarray]]):
        started = time.perf_counter()
        self.models = [build_stateful_lstm(batch_size, neurons, initial) for initial in weights]
        self.compile_seconds = time.perf_counter() - started  # Keras builds and compiles per model
        self.data, self.batch_size = data, batch_size

    def train(self, epochs: int) -> None:
        for model in self.models:
            train(model, self.data, epochs, self.batch_size)

    def walk_forward(self) -> tuple[np.ndarray, np.ndarray]:
        train_yhat, test_yhat = zip(*(walk_forward(model, self.data, self.batch_size) for model in self.models))
        for model in self.models:
            reset_states(model)
        return np.stack(train_yhat), np.stack(test_yhat)

    def diagnose(self) -> tuple[np.ndarray, np.ndarray]:
        """The protocol's diagnostic forecasts: train, then test, each from a reset state."""
        train_yhat, test_yhat = [], []
        for model in self.models:
            train_yhat.append(forecast(model, self.data.train[:, 0], self.batch_size))
            reset_states(model)
            test_yhat.append(forecast(model, self.data.test[:, 0], self.batch_size))
            reset_states(model)
        return np.stack(train_yhat), np.stack(test_yhat)
