"""The study's training loop and walk-forward evaluation as XLA-compiled TensorFlow functions.

The Keras loop pays ~60-85 ms of Python and `fit` overhead per epoch for a few microseconds of
arithmetic. Here any number of epochs, with every batch, state carry and reset, runs inside one
`tf.function(jit_compile=True)`, and several repeats of one point train side by side: each weight
tensor gets a leading repeat axis, the loss is the sum of the repeats' own losses (so each repeat's
gradient is its own), and the Keras optimizer's update is elementwise, so every repeat follows the
trajectory it would follow alone.

Compiled functions are cached per worker process, keyed by shape; epochs are a tensor argument, so
no epoch count ever recompiles.
"""

from __future__ import annotations

import time

import numpy as np

from trainables.data import PreparedSeries

# (batch_size, neurons, repeats, train rows, test rows) -> compiled functions. The one piece of
# per-worker state a trial may keep: with Tune's actor reuse, later trials of a shape skip compiling.
_COMPILED: dict[tuple[int, int, int, int, int], "CompiledLSTM"] = {}


def lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """Keras `LSTMCell` for one time step of one feature, batched over repeats.

    x: (batch,); h, c: (repeats, batch, n); kernel (repeats, 1, 4n); recurrent_kernel (repeats, n, 4n);
    bias (repeats, 4n). Gate order and arithmetic follow Keras: z = x K + h R + b, gates i, f, c, o.
    """
    import tensorflow as tf

    z = x[None, :, None] * kernel  # x K with a single input feature
    z = z + tf.einsum("rbn,rnm->rbm", h, recurrent_kernel)
    z = z + bias[:, None, :]
    z_input, z_forget, z_cell, z_output = tf.split(z, 4, axis=-1)
    c = tf.sigmoid(z_forget) * c + tf.sigmoid(z_input) * tf.tanh(z_cell)
    h = tf.sigmoid(z_output) * tf.tanh(c)
    return h, c


def dense(h, kernel, bias):
    """(repeats, batch, n) -> (repeats, batch): the `Dense(1)` head."""
    import tensorflow as tf

    return tf.einsum("rbn,rno->rbo", h, kernel)[..., 0] + bias


class CompiledLSTM:
    """Weights, Keras optimizer state and compiled functions for one shape, reused across trials."""

    def __init__(self, batch_size: int, neurons: int, repeats: int):
        import keras
        import tensorflow as tf

        shapes = [(1, 4 * neurons), (neurons, 4 * neurons), (4 * neurons,), (neurons, 1), (1,)]
        self.variables = [tf.Variable(tf.zeros((repeats, *shape))) for shape in shapes]
        self.optimizer = keras.optimizers.Adam()
        self.optimizer.build(self.variables)
        self.fresh_optimizer_state = [tf.constant(v.numpy()) for v in self.optimizer.variables]
        self.zeros = tf.zeros((repeats, batch_size, neurons))
        self.loss_per_sample = keras.losses.get("mean_squared_error")
        self.start = tf.function(self._start, jit_compile=True)
        self.train = tf.function(self._train, jit_compile=True)
        # One function per input shape (walk-forward, test alone), so neither ever retraces.
        self.forecast_walk = tf.function(self._forecast, jit_compile=True)
        self.forecast_test = tf.function(self._forecast, jit_compile=True)

    def _start(self, initial_weights):
        for variable, value in zip(self.variables, initial_weights):
            variable.assign(value)
        for variable, value in zip(self.optimizer.variables, self.fresh_optimizer_state):
            variable.assign(value)

    def _step(self, x, h, c):
        kernel, recurrent_kernel, bias, dense_kernel, dense_bias = self.variables
        h, c = lstm_step(x, h, c, kernel, recurrent_kernel, bias)
        return dense(h, dense_kernel, dense_bias), h, c

    def _train_step(self, step, h, c, train_x, train_y):
        """One stateful batch; the carried state is an input, so no gradient crosses batches (as in Keras)."""
        import tensorflow as tf

        batch = step % train_x.shape[0]
        h = tf.where(batch == 0, self.zeros, h)  # the state starts every epoch from zero
        c = tf.where(batch == 0, self.zeros, c)
        with tf.GradientTape() as tape:
            yhat, h, c = self._step(train_x[batch], h, c)
            # Keras: per-sample loss, averaged over the batch; summed over repeats keeps gradients apart.
            per_sample = self.loss_per_sample(tf.broadcast_to(train_y[batch], yhat.shape)[..., None], yhat[..., None])
            loss = tf.reduce_sum(tf.reduce_mean(per_sample, axis=-1))
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.variables), self.variables))
        return step + 1, h, c

    def _train(self, epochs, train_x, train_y):
        """Continue training for `epochs` more epochs; (batches, batch) inputs."""
        import tensorflow as tf

        steps = epochs * train_x.shape[0]
        tf.while_loop(
            lambda step, h, c: step < steps,
            lambda step, h, c: self._train_step(step, h, c, train_x, train_y),
            (tf.constant(0), self.zeros, self.zeros),
        )

    def _forecast(self, inputs):
        """One-step forecasts of (batches, batch) inputs in order, from a reset state, state carried.

        A scan, not an unrolled loop, keeps compile time flat in the number of batches.
        Returns (repeats, batches, batch).
        """
        import tensorflow as tf

        def forecast_step(carry, x):
            _, h, c = carry
            return self._step(x, h, c)

        repeats, batch_size, _ = self.zeros.shape
        forecasts, _, _ = tf.scan(forecast_step, inputs, initializer=(tf.zeros((repeats, batch_size)), self.zeros, self.zeros))
        return tf.transpose(forecasts, [1, 0, 2])


class CompiledRuns:
    """Repeats of one point trained together: `train` in chunks, `diagnose` between, `walk_forward` at the end."""

    def __init__(self, data: PreparedSeries, batch_size: int, neurons: int, weights: list[list[np.ndarray]]):
        import tensorflow as tf

        self.repeats = len(weights)
        self.train_x = tf.constant(data.train[:, 0].reshape(-1, batch_size))
        self.train_y = tf.constant(data.train[:, 1].reshape(-1, batch_size))
        self.test_x = tf.constant(data.test[:, 0].reshape(-1, batch_size))
        self.walk_x = tf.concat([self.train_x, self.test_x], axis=0)
        key = (batch_size, neurons, self.repeats, len(data.train), len(data.test))
        self.compile_seconds = 0.0
        if key not in _COMPILED:
            started = time.perf_counter()
            _COMPILED[key] = self._compile(CompiledLSTM(batch_size, neurons, self.repeats), weights)
            self.compile_seconds = time.perf_counter() - started
        self.compiled = _COMPILED[key]
        self.compiled.start([tf.constant(np.stack(tensors)) for tensors in zip(*weights)])

    def _compile(self, compiled: CompiledLSTM, weights) -> CompiledLSTM:
        """Trace and compile every function once, on this trial's shapes, training nothing."""
        import tensorflow as tf

        compiled.start([tf.constant(np.stack(tensors)) for tensors in zip(*weights)])
        compiled.train(tf.constant(0), self.train_x, self.train_y)
        compiled.forecast_walk(self.walk_x)
        compiled.forecast_test(self.test_x)
        return compiled

    def train(self, epochs: int) -> None:
        import tensorflow as tf

        self.compiled.train(tf.constant(epochs), self.train_x, self.train_y)


    def walk_forward(self) -> tuple[np.ndarray, np.ndarray]:
        """Warm the state on the training inputs, then forecast the test inputs in one shot."""
        forecasts = self.compiled.forecast_walk(self.walk_x).numpy().reshape(self.repeats, -1)
        split = self.train_x.shape[0] * self.train_x.shape[1]
        return forecasts[:, :split], forecasts[:, split:]

    def diagnose(self) -> tuple[np.ndarray, np.ndarray]:
        """The protocol's diagnostic forecasts: train, then test, each from a reset state.

        The train part is the walk-forward's warming pass, which also starts from a reset state.
        """
        return self.walk_forward()[0], self.compiled.forecast_test(self.test_x).numpy().reshape(self.repeats, -1)
