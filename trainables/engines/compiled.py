"""The study's training loop and walk-forward evaluation as XLA-compiled TensorFlow functions.

The Keras loop pays ~60-85 ms of Python and `fit` overhead per epoch for a few microseconds of
arithmetic. Here any number of epochs, with every batch, state carry and reset, runs inside one
`tf.function(jit_compile=True)`, and several repeats of one point train side by side: each weight
tensor gets a leading repeat axis, the loss is the sum of the repeats' own losses (so each repeat's
gradient is its own), and the Keras optimizers' updates are elementwise, so every repeat follows the
trajectory it would follow alone. Dropout masks come from the same Keras seed generators, drawn in
the same order, as the Keras layers draw theirs, through a bit-exact Philox (`philox.py`) that
draws every repeat's masks in one vectorised computation.

Compiled functions are cached per worker process, keyed by shape; epochs are a tensor argument, so
no epoch count ever recompiles. Across processes, XLA's persistent cache (when the sweep sets one)
keeps them on disk, keyed by the traced functions' names: those are made to depend on the shape
alone (`stable_names`), not on what the process traced before. Rolling origins with an expanding
window train on more rows at each origin: their inputs are padded at the front to the longest
origin's rows, and the functions start at the first real batch (a tensor argument), so all of a
trial's origins share one compile.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict

import numpy as np

from trainables.data import PooledSeries, PreparedSeries, forecast_batch_size, member_major, members_of, side_by_side
from trainables.engines.compiled_lstm import CompiledLSTM
from trainables.engines.stable_names import stable_names
from trainables.model import InitialState
from trainables.spec import ModelSpec

# (batch_size, spec, repeats, train rows, test rows, padded) -> compiled functions, most recently used last.
# The one piece of per-worker state a trial may keep: with Tune's actor reuse, later trials of a
# shape skip compiling. Bounded, since a shape costs ~18 MB and a long sweep can see hundreds.
_COMPILED: OrderedDict[tuple, CompiledLSTM] = OrderedDict()
COMPILED_SHAPES_KEPT = 16


class CompiledRuns:
    """Repeats of one point trained together: `train` in chunks, `diagnose` between, `walk_forward` at the end.

    `data` is one origin's, or a list of origins' of one shape (sliding windows): those train side by
    side, `len(initial)` repeats each, and every result has one row per (origin, repeat), origin-major.
    An origin's data may be a `PooledSeries` (global training): its series share each repeat's weights,
    side by side in every batch, and results have one row per (origin, series, repeat).
    `capacity_rows`: the most training rows any origin of the trial has; one origin's inputs are padded
    to it, so every origin of an expanding window reuses one compile. None: no padding.
    """

    def __init__(
        self,
        data: PreparedSeries | PooledSeries | list[PreparedSeries] | list[PooledSeries],
        batch_size: int,
        spec: ModelSpec,
        initial: list[InitialState],
        capacity_rows: int | None = None,
    ):
        import tensorflow as tf

        datasets = data if isinstance(data, list) else [data]
        groups = [members_of(item) for item in datasets]  # per dataset its series: one, or a pooled (global) fit's
        self.datasets, self.series = len(datasets), len(groups[0])
        initial = [state for _ in datasets for state in initial]  # each origin starts from the repeats' own weights
        self.repeats = len(initial)
        self.head = (spec.outputs,) if spec.outputs > 1 else ()  # a direct model's steps, the last axis of its forecasts
        first = groups[0][0]
        self.forecast_batch_size = forecast_batch_size(first, batch_size)
        self.same_model_forecasts = self.forecast_batch_size == batch_size
        padded = capacity_rows is not None
        self.padding_rows = capacity_rows - len(first.train) if padded else 0
        lanes = self.repeats // len(datasets)

        def stacked(rows_of, size: int, padding_rows: int = self.padding_rows) -> np.ndarray:
            """Each origin's rows (padded) in batches, its series side by side; with several origins, a repeat axis
            after the batch axis."""
            per_origin = [side_by_side([_pad_front(rows_of(member), padding_rows) for member in group], size) for group in groups]
            if len(per_origin) == 1:
                return per_origin[0]
            return np.stack([rows for rows in per_origin for _ in range(lanes)], axis=1)

        self.train_x = tf.constant(stacked(lambda item: item.samples(item.train), batch_size))
        self.train_y = tf.constant(stacked(lambda item: item.train_targets(spec.outputs), batch_size))
        self.first_train_batch = tf.constant(self.padding_rows // batch_size)
        self.train_forecast_x = tf.constant(stacked(lambda item: item.samples(item.train), self.forecast_batch_size))
        self.first_forecast_batch = tf.constant(self.padding_rows // self.forecast_batch_size)
        self.test_x = tf.constant(stacked(lambda item: item.samples(item.test), self.forecast_batch_size, padding_rows=0))
        self.walk_x = tf.concat([self.train_forecast_x, self.test_x], axis=0)

        def test_rows(rows_of) -> np.ndarray:
            """Per repeat lane, origin-major: the test rows of its series in the order the walk-forward's lanes hold them."""
            per_origin = [side_by_side([rows_of(member) for member in group], self.forecast_batch_size) for group in groups]
            return np.stack([rows.reshape(-1, rows.shape[-1]) for rows in per_origin for _ in range(lanes)])

        self.test_inputs = tf.constant(test_rows(lambda item: item.test[:, :-1]))
        self.low, self.scale = (
            tf.constant(test_rows(lambda item, part=part: item.test_scaling()[part]))
            for part in (0, 1)
        )  # fmt: skip
        train_rows = len(first.train) + self.padding_rows
        key = (batch_size, spec.network, self.repeats, train_rows, len(first.test), padded, len(datasets), self.series)
        self.key = key
        self.compile_seconds = 0.0
        if key in _COMPILED:
            _COMPILED.move_to_end(key)
        else:
            started = time.perf_counter()
            with stable_names(key):
                _COMPILED[key] = self._compile(CompiledLSTM(spec, batch_size * self.series, self.repeats, padded), initial)
            self.compile_seconds = time.perf_counter() - started
            if len(_COMPILED) > COMPILED_SHAPES_KEPT:
                _evict_least_recently_used()
        self.compiled = _COMPILED[key]
        self._start(initial)

    def _start(self, initial: list[InitialState]) -> None:
        import tensorflow as tf

        weights = [tf.constant(np.stack(tensors)) for tensors in zip(*(state.weights for state in initial))]
        seeds = tf.constant([state.dropout_seeds for state in initial], dtype=tf.int64)
        self.compiled.start(weights, seeds)

    def _compile(self, compiled: CompiledLSTM, initial: list[InitialState]) -> CompiledLSTM:
        """Trace and compile training and the walk-forward once, on this trial's shapes, training nothing; the
        diagnostics' test-alone forecast and a horizon's rollout compile on first use (most sweeps need neither)."""
        import tensorflow as tf

        self.compiled = compiled
        self._start(initial)
        compiled.train(tf.constant(0), self.train_x, self.train_y, self.first_train_batch)
        self._forecast_walk()
        return compiled

    def _forecast_walk(self) -> np.ndarray:
        """(repeats, rows) one-step forecasts of the training then the test rows; (repeats, rows, outputs) for a direct model."""
        walk = self.compiled.forecast_walk(self.walk_x, self.same_model_forecasts, self.first_forecast_batch)
        return self._per_series(walk.numpy())

    def _per_series(self, outputs: np.ndarray) -> np.ndarray:
        """(repeat lanes, batches, series * forecast batch, ...) -> one lane per (origin, series, repeat), rows in order."""
        by_series = member_major(outputs, self.series, self.forecast_batch_size)
        repeats, rows, tail = self.repeats // self.datasets, by_series.shape[2], by_series.shape[3:]
        by_origin = by_series.reshape(self.datasets, repeats, self.series, rows, *tail).swapaxes(1, 2)
        return by_origin.reshape(self.datasets * self.series * repeats, rows, *tail)

    def _forecast_test(self) -> np.ndarray:
        """The test rows alone from a reset state (diagnostics); compiled on first use, its seconds added to `compile_seconds`."""
        import tensorflow as tf

        new = not self.compiled.test_compiled
        started = time.perf_counter()
        with stable_names((*self.key, "test")) if new else contextlib.nullcontext():
            test = self._per_series(self.compiled.forecast_test(self.test_x, False, tf.constant(0)).numpy())
        if new:
            self.compile_seconds += time.perf_counter() - started
            self.compiled.test_compiled = True
        return test[..., 0] if self.head else test

    def train(self, epochs: int) -> None:
        import tensorflow as tf

        self.compiled.train(tf.constant(epochs), self.train_x, self.train_y, self.first_train_batch)

    def train_lanes(self, epochs: np.ndarray) -> None:
        """Train each weight lane (origin-major, then repeat) for its own number of epochs (`early_stopping`): every lane
        trains on to the most, and each keeps the weights of its own last epoch; the same compiled function throughout."""
        kept = [variable.numpy() for variable in self.compiled.variables]
        done = 0
        for target in np.unique(epochs):
            self.train(int(target - done))
            done, reached = target, epochs == target
            kept = [np.where(reached.reshape(-1, *[1] * (value.ndim - 1)), variable.numpy(), value)
                    for variable, value in zip(self.compiled.variables, kept)]  # fmt: skip
        for variable, value in zip(self.compiled.variables, kept):
            variable.assign(value)

    def walk_forward(self) -> tuple[np.ndarray, np.ndarray]:
        """Warm the state on the training inputs, then forecast the test inputs in one shot: scaled one-step forecasts,
        train (repeats, n_train) and test (repeats, test rows)."""
        return tuple(outputs[..., 0] for outputs in self.walk_forward_outputs())

    def walk_forward_outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """`walk_forward` with every output of the head: (repeats, n_train, outputs), (repeats, test rows, outputs)."""
        forecasts = self._forecast_walk()
        forecasts = forecasts if self.head else forecasts[..., None]
        split = self.train_forecast_x.shape[0] * self.forecast_batch_size
        return forecasts[:, self.padding_rows : split], forecasts[:, split:]

    def rollout(self, horizon: int) -> np.ndarray:
        """(repeats, test rows, horizon) scaled recursive forecasts from every cutoff of the test window; one compile per
        shape and horizon (on first use, its seconds added to `compile_seconds`)."""
        new = horizon not in self.compiled.rollouts
        started = time.perf_counter()
        with stable_names((*self.key, "rollout", horizon)) if new else contextlib.nullcontext():
            forecasts = self.compiled.rollout_function(horizon)(
                self.walk_x, self.first_forecast_batch, self.test_inputs, self.low, self.scale
            ).numpy()
        if new:
            self.compile_seconds += time.perf_counter() - started
        return self._per_series(forecasts.reshape(self.repeats, -1, self.test_x.shape[-3], horizon))

    def diagnose(self) -> tuple[np.ndarray, np.ndarray]:
        """The protocol's diagnostic forecasts: train, then test, each from a reset state.

        The train part is the walk-forward's warming pass, which also starts from a reset state.
        """
        train_yhat = self.walk_forward()[0]
        # The warming pass already advanced the generators by the train and test forecasts Keras makes here.
        return train_yhat, self._forecast_test()


def _evict_least_recently_used() -> None:
    """Drop the oldest shapes; Keras's global state keeps a compiled shape alive (~20 MB) until it is reset."""
    import keras

    while len(_COMPILED) > COMPILED_SHAPES_KEPT:
        _COMPILED.popitem(last=False)
    keras.backend.clear_session(free_memory=True)


def _pad_front(rows: np.ndarray, padding_rows: int) -> np.ndarray:
    """Zero rows before `rows`: batches the padded functions skip."""
    return np.concatenate([np.zeros((padding_rows, *rows.shape[1:]), rows.dtype), rows]) if padding_rows else rows


def batches(samples: np.ndarray, batch_size: int) -> np.ndarray:
    """(rows, timesteps, lags) -> (batches, batch, timesteps, lags), in row order."""
    return samples.reshape(-1, batch_size, *samples.shape[1:])
