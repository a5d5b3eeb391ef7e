"""The study's own training loop: `model.fit` for one epoch, reset the state, repeat.

This is the reference every faster engine is checked against.
"""

from __future__ import annotations

import time

import numpy as np

from trainables.data import PooledSeries, PreparedSeries, forecast_batch_size, members_of, side_by_side
from trainables.model import InitialState, build_stateful_lstm, reset_states
from trainables.spec import ModelSpec


def train(model, data: PreparedSeries | PooledSeries, epochs: int, batch_size: int):
    """Fit the stateful model epoch by epoch, in row order, resetting state after each epoch.

    A pooled fit's model takes every series' batch side by side (`batch_size` rows each)."""
    members = members_of(data)
    outputs = model.output_shape[-1]
    x, y = (
        side_by_side(arrays, batch_size).reshape(-1, *arrays[0].shape[1:])
        for arrays in ([member.samples(member.train) for member in members], [member.train_targets(outputs) for member in members])
    )  # fmt: skip
    for _ in range(epochs):
        model.fit(x, y, epochs=1, batch_size=batch_size * len(members), verbose=0, shuffle=False)
        reset_states(model)


def walk_forward(model, data: PreparedSeries, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Warm the state on the training inputs, then forecast the test inputs in one shot.

    Returns scaled one-step forecasts: train (n_train,) from the warming pass, test (test_size,).
    """
    return tuple(outputs[:, 0] for outputs in walk_forward_outputs(model, data, batch_size))


def walk_forward_outputs(model, data: PreparedSeries, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """`walk_forward` with every output of the model's head: (n_train, outputs), (test_size, outputs)."""
    return forecast_outputs(model, data, data.train, batch_size), forecast_outputs(model, data, data.test, batch_size)


def forecast(model, data: PreparedSeries, rows: np.ndarray, batch_size: int) -> np.ndarray:
    """Scaled rows -> (rows,) one-step forecasts, continuing the model's current state."""
    return forecast_outputs(model, data, rows, batch_size)[:, 0]


def forecast_outputs(model, data: PreparedSeries, rows: np.ndarray, batch_size: int) -> np.ndarray:
    """Scaled rows -> (rows, outputs): a direct model's steps 1..H from each row's state, else the one-step forecast."""
    return model.predict(data.samples(rows), batch_size=batch_size, verbose=0)


def states_entering_test_rows(model, data: PreparedSeries, batch_size: int) -> list[list[np.ndarray]]:
    """Walk the training then the test inputs batch by batch from a reset state, as `walk_forward` does, and keep the
    (h, c) of every LSTM layer that each test row's lane holds when the row comes: what its cutoff knows."""
    layers = [layer for layer in model.layers if getattr(layer, "stateful", False)]
    reset_states(model)
    for rows in data.samples(data.train).reshape(-1, batch_size, data.timesteps, data.lags):
        model.predict_on_batch(rows)
    entering = []
    for rows in data.samples(data.test).reshape(-1, batch_size, data.timesteps, data.lags):
        held = [variable.numpy() for layer in layers for variable in layer.states]
        entering += [[state[lane : lane + 1] for state in held] for lane in range(batch_size)]
        model.predict_on_batch(rows)
    reset_states(model)
    return entering


def recursive_forecasts(stepper, data: PreparedSeries, entering: list[list[np.ndarray]], horizon: int) -> np.ndarray:
    """(test rows, horizon) scaled forecasts: from each test row's state, `horizon` one-step calls of the batch-1 `stepper`,
    each fed the differences known at the cutoff followed by the forecasts already made (the reference the compiled
    engine's rollout is checked against)."""
    layers = [layer for layer in stepper.layers if getattr(layer, "stateful", False)]
    lows, scales = data.test_scaling()
    window = data.window
    forecasts = np.empty((len(data.test), horizon), dtype=np.float32)
    for row, states in enumerate(entering):
        low, scale = lows[row], scales[row]
        for variable, state in zip((variable for layer in layers for variable in layer.states), states):
            variable.assign(state)
        differences = (data.test[row, :window] - low[:window]) / scale[:window]
        inputs = data.test[row, :window]
        for step in range(horizon):
            sample = data.samples(np.append(inputs, np.float32(0))[None, :])
            forecasts[row, step] = stepper.predict_on_batch(sample)[0, 0]
            differences = np.append(differences[1:], (forecasts[row, step] - low[window]) / scale[window])
            inputs = differences * scale[:window] + low[:window]
    return forecasts


def batch_one_copy(model, spec: ModelSpec, initial: InitialState):
    """A batch-1 stateful model holding `model`'s current weights, for forecasting row by row."""
    copy = build_stateful_lstm(spec, 1, initial, compile=False)
    copy.set_weights(model.get_weights())
    return copy


class KerasRuns:
    """Repeats of one point, one Keras model each: `train` in chunks, `diagnose` between, `walk_forward` at the end.

    For a `PooledSeries` (global training) each model trains on every series side by side, and every
    result has one row per (series, repeat), each series forecast by its own copy of the trained weights.
    """

    def __init__(
        self,
        data: PreparedSeries | PooledSeries,
        batch_size: int,
        spec: ModelSpec,
        initial: list[InitialState],
        capacity_rows: int | None = None,
    ):
        """`capacity_rows` is the compiled engine's padding; Keras builds a model per origin and needs none."""
        started = time.perf_counter()
        self.data, self.members = data, members_of(data)
        self.models = [build_stateful_lstm(spec, batch_size * len(self.members), state) for state in initial]
        self.compile_seconds = time.perf_counter() - started  # Keras builds and compiles per model
        self.batch_size, self.spec, self.initial = batch_size, spec, initial
        self.forecast_batch_size = forecast_batch_size(self.members[0], batch_size)
        self.copies: list[list] = []  # per series, forecasting models of the forecast batch size, built on first use

    def train(self, epochs: int) -> None:
        for model in self.models:
            train(model, self.data, epochs, self.batch_size)

    def train_lanes(self, epochs: np.ndarray) -> None:
        """Train each repeat's model for its own number of epochs (`early_stopping`)."""
        for model, count in zip(self.models, epochs):
            train(model, self.data, int(count), self.batch_size)

    def _forecasters(self) -> list[list]:
        """Per series, each repeat's model that forecasts it: the trained one where its batch fits, else a copy."""
        if len(self.members) == 1 and self.forecast_batch_size == self.batch_size:
            return [self.models]
        if not self.copies:
            self.copies = [
                [build_stateful_lstm(self.spec, self.forecast_batch_size, state, compile=False) for state in self.initial]
                for _ in self.members
            ]  # fmt: skip
        for copies in self.copies:
            for copy, model in zip(copies, self.models):
                copy.set_weights(model.get_weights())
        return self.copies

    def _each_lane(self, forecast) -> np.ndarray:
        """`forecast(model, series, initial state)` of every (series, repeat), stacked series-major."""
        return np.stack([
            forecast(model, member, state)
            for member, models in zip(self.members, self._forecasters()) for model, state in zip(models, self.initial)
        ])  # fmt: skip

    def walk_forward(self) -> tuple[np.ndarray, np.ndarray]:
        """Scaled one-step forecasts: train (repeats, n_train), test (repeats, test rows)."""
        return tuple(outputs[..., 0] for outputs in self.walk_forward_outputs())

    def walk_forward_outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """`walk_forward` with every output of the head: (repeats, n_train, outputs), (repeats, test rows, outputs)."""
        train_yhat, test_yhat = [], []

        def walk(model, member, _state):
            train_outputs, test_outputs = walk_forward_outputs(model, member, self.forecast_batch_size)
            reset_states(model)
            train_yhat.append(train_outputs)
            test_yhat.append(test_outputs)
            return test_outputs

        self._each_lane(walk)
        return np.stack(train_yhat), np.stack(test_yhat)

    def rollout(self, horizon: int) -> np.ndarray:
        """(repeats, test rows, horizon) scaled recursive forecasts from every cutoff of the test window."""

        def roll(model, member, state):
            entering = states_entering_test_rows(model, member, self.forecast_batch_size)
            return recursive_forecasts(batch_one_copy(model, self.spec, state), member, entering, horizon)

        return self._each_lane(roll)

    def diagnose(self) -> tuple[np.ndarray, np.ndarray]:
        """The protocol's diagnostic forecasts: train, then test, each from a reset state."""
        train_yhat = []

        def reset_forecasts(model, member, _state):
            train_yhat.append(forecast(model, member, member.train, self.forecast_batch_size))
            reset_states(model)
            test = forecast(model, member, member.test, self.forecast_batch_size)
            reset_states(model)
            return test

        test_yhat = self._each_lane(reset_forecasts)
        return np.stack(train_yhat), test_yhat
