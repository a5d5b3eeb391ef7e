"""The study's own training loop: `model.fit` for one epoch, reset the state, repeat.

This is the reference every faster engine is checked against.
"""

from __future__ import annotations

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
    train_yhat = model.predict(as_lstm_input(data.train[:, 0]), batch_size=batch_size, verbose=0)
    test_yhat = model.predict(as_lstm_input(data.test[:, 0]), batch_size=batch_size, verbose=0)
    return train_yhat[:, 0], test_yhat[:, 0]

