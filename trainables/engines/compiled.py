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
from trainables.engines.lstm_cell import lane_matmul, lstm_cell
from trainables.engines.stable_names import stable_names
from trainables.model import InitialState
from trainables.spec import ModelSpec

# (batch_size, spec, repeats, train rows, test rows, padded) -> compiled functions, most recently used last.
# The one piece of per-worker state a trial may keep: with Tune's actor reuse, later trials of a
# shape skip compiling. Bounded, since a shape costs ~18 MB and a long sweep can see hundreds.
_COMPILED: OrderedDict[tuple, CompiledLSTM] = OrderedDict()
COMPILED_SHAPES_KEPT = 16


class CompiledLSTM:
    """Weights, Keras optimizer and seed-generator state and compiled functions for one shape, reused across trials."""

    def __init__(self, spec: ModelSpec, batch_size: int, repeats: int, padded: bool = False):
        import tensorflow as tf

        self.spec, self.batch_size, self.repeats = spec, batch_size, repeats
        # Unpadded (one origin, or sliding windows) traces exactly the protocol's graph, bit for bit.
        self.padded = padded
        n = spec.neurons
        shapes = []
        for layer in range(spec.layers):
            shapes += [(spec.layer_inputs(layer), 4 * n), (n, 4 * n), (4 * n,)]
        head = [(n, spec.outputs), (spec.outputs,)]
        self.variables = [tf.Variable(tf.zeros((repeats, *shape))) for shape in [*shapes, *head]]
        self.optimizer = spec.keras_optimizer()
        self.optimizer.build(self.variables)
        self.fresh_optimizer_state = [tf.constant(v.numpy()) for v in self.optimizer.variables]
        self.loss_per_sample = spec.keras_loss()
        # Each repeat's Keras LSTM layers hold one dropout SeedGenerator each; all draw equally often,
        # so their states are the (repeat, layer) seeds and one shared count of draws made.
        self.dropout_seeds = tf.Variable(tf.zeros((repeats, spec.layers), tf.int64))
        self.draws_made = tf.Variable(tf.constant(0, tf.int64))
        self.start = tf.function(self._start, jit_compile=True)
        self.train = tf.function(self._train, jit_compile=True)
        # One function per input shape (walk-forward, test alone), so neither ever retraces.
        self.forecast_walk = tf.function(self._forecast, jit_compile=True)
        self.forecast_test = tf.function(self._forecast, jit_compile=True)
        self.test_compiled = False  # compiled on first use: only diagnostics forecast the test rows alone
        self.rollouts: dict[int, object] = {}  # horizon -> its compiled recursive forecast

    def _start(self, initial_weights, dropout_seeds):
        for variable, value in zip(self.variables, initial_weights):
            variable.assign(value)
        for variable, value in zip(self.optimizer.variables, self.fresh_optimizer_state):
            variable.assign(value)
        self.dropout_seeds.assign(dropout_seeds)
        self.draws_made.assign(0)

    def zero_states(self, batch_size: int):
        import tensorflow as tf

        zeros = tf.zeros((self.repeats, batch_size, self.spec.neurons))
        return tuple((zeros, zeros) for _ in range(self.spec.layers))

    def _masks(self, batch_size: int) -> list[tuple[list, list]]:
        """Each layer's dropout masks for one call, drawn as Keras draws them: inputs first, then recurrent.

        Returns per layer (input masks, recurrent masks), each a list of (repeats, batch, width) tensors.
        """
        from trainables.engines.philox import dropout_masks, keras_seeds

        input_draws, recurrent_draws = self.spec.mask_draws
        seeds = keras_seeds(self.dropout_seeds, self.draws_made, input_draws + recurrent_draws)  # (R, layers, draws, 2)
        self.draws_made.assign_add(input_draws + recurrent_draws)
        masks = []
        for layer in range(self.spec.layers):
            inputs = dropout_masks((batch_size, self.spec.layer_inputs(layer)), self.spec.dropout, seeds[:, layer, :input_draws])
            states = dropout_masks((batch_size, self.spec.neurons), self.spec.recurrent_dropout, seeds[:, layer, input_draws:])
            masks.append(([inputs[:, draw] for draw in range(input_draws)], [states[:, draw] for draw in range(recurrent_draws)]))
        return masks

    def _skip_draws(self, calls) -> None:
        """Advance past the draws `calls` layer calls without training make (Keras draws masks anyway)."""
        import tensorflow as tf

        self.draws_made.assign_add(tf.cast(calls * sum(self.spec.mask_draws), tf.int64))

    def _call(self, x, states, masks):
        """One batch (batch, timesteps, lags) through the stacked layers and the `Dense` head.

        Returns (repeats, batch) forecasts, or (repeats, batch, outputs) for a direct model's head, and each layer's
        (h, c) after the last time step.
        """
        import tensorflow as tf

        if x.shape.rank == 4:  # (repeats, batch, timesteps, lags): origins trained side by side, each its own inputs
            sequence = [x[:, :, step, :] for step in range(x.shape[2])]
        else:  # (batch, timesteps, lags): every repeat sees the same inputs
            sequence = [tf.broadcast_to(x[None, :, step, :], (self.repeats, *x[:, step, :].shape)) for step in range(x.shape[1])]
        new_states = []
        for layer, (h, c) in enumerate(states):
            kernel, recurrent_kernel, bias = self.variables[3 * layer : 3 * layer + 3]
            input_masks, recurrent_masks = masks[layer] if masks else ([], [])
            outputs = []
            for step_input in sequence:
                h, c = lstm_cell(step_input, h, c, kernel, recurrent_kernel, bias, input_masks, recurrent_masks)
                outputs.append(h)
            sequence = outputs
            new_states.append((h, c))
        dense_kernel, dense_bias = self.variables[-2:]
        if self.spec.outputs > 1:
            return lane_matmul(sequence[-1], dense_kernel) + dense_bias[:, None, :], tuple(new_states)
        return lane_matmul(sequence[-1], dense_kernel)[..., 0] + dense_bias, tuple(new_states)

    def _penalty(self):
        """Keras's L1L2 regularisation losses of every LSTM kernel and recurrent kernel, summed."""
        import tensorflow as tf

        kernels = [v for index, v in enumerate(self.variables[:-2]) if index % 3 < 2]
        penalty = tf.constant(0.0)
        for kernel in kernels:
            if self.spec.l1:
                penalty += self.spec.l1 * tf.reduce_sum(tf.abs(kernel))
            if self.spec.l2:
                penalty += self.spec.l2 * tf.reduce_sum(tf.square(kernel))
        return penalty

    def _train_step(self, step, states, train_x, train_y, first_batch):
        """One stateful batch; the carried state is an input, so no gradient crosses batches (as in Keras).

        Batches before `first_batch` are padding: never trained on.
        """
        import tensorflow as tf

        if self.padded:  # gather, not a slice: a slice at an argument's offset would compile once per offset
            batch_in_epoch = step % (train_x.shape[0] - first_batch)
            x, y = tf.gather(train_x, first_batch + batch_in_epoch), tf.gather(train_y, first_batch + batch_in_epoch)
        else:
            batch_in_epoch = step % train_x.shape[0]
            x, y = train_x[batch_in_epoch], train_y[batch_in_epoch]
        zeros = self.zero_states(self.batch_size)
        states = tf.nest.map_structure(lambda zero, state: tf.where(batch_in_epoch == 0, zero, state), zeros, states)
        masks = self._masks(self.batch_size) if self.spec.uses_dropout else None
        with tf.GradientTape() as tape:
            yhat, states = self._call(x, states, masks)
            # Keras: per-sample loss, averaged over the batch; summed over repeats keeps gradients apart.
            if self.spec.outputs > 1:  # targets (..., batch, outputs), NaN past the training window
                per_sample = self.loss_per_sample(tf.broadcast_to(y, yhat.shape), yhat)
            else:
                per_sample = self.loss_per_sample(tf.broadcast_to(y, yhat.shape)[..., None], yhat[..., None])
            loss = tf.reduce_sum(tf.reduce_mean(per_sample, axis=-1)) + self._penalty()
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.variables), self.variables))
        return step + 1, states

    def _train(self, epochs, train_x, train_y, first_batch):
        """Continue training for `epochs` more epochs; (batches, batch, timesteps, lags) inputs."""
        import tensorflow as tf

        steps = epochs * (train_x.shape[0] - first_batch if self.padded else train_x.shape[0])
        tf.while_loop(
            lambda step, states: step < steps,
            lambda step, states: self._train_step(step, states, train_x, train_y, first_batch),
            (tf.constant(0), self.zero_states(self.batch_size)),
        )

    def _forecast(self, inputs, advance_generators, first_batch):
        """One-step forecasts of (batches, batch, timesteps, lags) inputs in order, from a reset state, state carried.

        A scan, not an unrolled loop, keeps compile time flat in the number of batches. When the
        training model itself forecasts (as in Keras), its dropout generators advance as Keras's would.
        Padded: the state is reset up to `first_batch`, so forecasting starts there as from a reset state.
        Returns (repeats, batches, batch), or (repeats, batches, batch, outputs) for a direct model.
        """
        import tensorflow as tf

        def forecast_step(carry, x):
            _, states = carry
            return self._call(x, states, None)

        def padded_forecast_step(carry, indexed):
            index, x = indexed
            _, states = carry
            states = tf.nest.map_structure(lambda state: tf.where(index <= first_batch, tf.zeros_like(state), state), states)
            return self._call(x, states, None)

        if self.spec.uses_dropout and advance_generators:
            self._skip_draws(inputs.shape[0] - first_batch if self.padded else inputs.shape[0])
        batch_size = inputs.shape[-3]  # inputs: (batches, [repeats,] batch, timesteps, lags)
        head = (self.spec.outputs,) if self.spec.outputs > 1 else ()
        initial = (tf.zeros((self.repeats, batch_size, *head)), self.zero_states(batch_size))
        if self.padded:
            indexed = (tf.range(inputs.shape[0]), inputs)
            forecasts, _ = tf.scan(padded_forecast_step, indexed, initializer=initial)
        else:
            forecasts, _ = tf.scan(forecast_step, inputs, initializer=initial)
        return tf.transpose(forecasts, [1, 0, *range(2, forecasts.shape.rank)])

    def rollout_function(self, horizon: int):
        import tensorflow as tf

        if horizon not in self.rollouts:
            self.rollouts[horizon] = tf.function(
                lambda *arguments: self._rollout(*arguments, horizon=horizon), jit_compile=True, autograph=False
            )
        return self.rollouts[horizon]

    def _states_entering(self, inputs, first_batch):
        """Each layer's (h, c) as every batch of the walk-forward inputs arrives: (batches, repeats, batch, n) each."""
        import tensorflow as tf

        def step(carry, indexed):
            index, x = indexed
            _, states = carry
            first = index <= first_batch if self.padded else tf.equal(index, 0)
            states = tf.nest.map_structure(lambda state: tf.where(first, tf.zeros_like(state), state), states)
            return states, self._call(x, states, None)[1]

        batch_size = inputs.shape[-3]
        initial = (self.zero_states(batch_size), self.zero_states(batch_size))
        entering, _ = tf.scan(step, (tf.range(inputs.shape[0]), inputs), initializer=initial)
        return entering

    def _rollout(self, inputs, first_batch, test_inputs, low, scale, *, horizon: int):
        """Recursive forecasts of `horizon` steps from every test row's cutoff: (repeats, test rows, horizon).

        Each test row starts from the state its lane holds when the walk-forward reaches it, forecasts from its own
        inputs, then from the differences known at the cutoff followed by its forecasts, rescaled as inputs: the
        state carried on, all cutoffs of all repeats side by side. `test_inputs` (repeats, rows, window) are the test
        rows' scaled inputs; `low`, `scale` (repeats, rows, window + 1) each row's scaler (its series').
        """
        import tensorflow as tf

        rows, window = test_inputs.shape[1], test_inputs.shape[2]
        test_batches = rows // inputs.shape[-3]
        states = tf.nest.map_structure(
            lambda state: tf.reshape(tf.transpose(state[-test_batches:], [1, 0, 2, 3]), (self.repeats, rows, state.shape[-1])),
            self._states_entering(inputs, first_batch),
        )
        input_low, input_scale = low[..., :window], scale[..., :window]
        target_low, target_scale = low[..., window], scale[..., window]

        def step(carry, _):
            _, differences, scaled, states = carry
            samples = tf.stack([scaled[..., time : time + self.spec.lags] for time in range(self.spec.timesteps)], axis=2)
            yhat, states = self._call(samples, states, None)
            differences = tf.concat([differences[..., 1:], ((yhat - target_low) / target_scale)[..., None]], axis=-1)
            return yhat, differences, differences * input_scale + input_low, states

        start = (tf.zeros((self.repeats, rows)), (test_inputs - input_low) / input_scale, test_inputs, states)
        forecasts = tf.scan(step, tf.range(horizon), initializer=start)[0]  # (horizon, repeats, rows)
        return tf.transpose(forecasts, [1, 2, 0])


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
