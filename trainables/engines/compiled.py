"""The study's training loop and walk-forward evaluation as one XLA-compiled TensorFlow function.

The Keras loop pays ~50-100 ms of Python and `fit` overhead per epoch for a few microseconds of
arithmetic. Here every epoch, batch, state carry and reset, and the evaluation run inside one
`tf.function(jit_compile=True)`, and several repeats of one point train side by side: each weight
tensor gets a leading repeat axis, the loss is the sum of the repeats' own losses (so each repeat's
gradient is its own), and the Keras optimizer's update is elementwise, so every repeat follows the
same trajectory it would follow alone.

Compiled functions are cached per worker process, keyed by shape; epochs are a tensor argument, so
no epoch count ever recompiles.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from trainables.data import PreparedSeries

# (batch_size, neurons, repeats, train rows, test rows) -> compiled function. The one piece of
# per-worker state a trial may keep: with Tune's actor reuse, later trials of a shape skip compiling.
_COMPILED: dict[tuple[int, int, int, int, int], Callable] = {}


@dataclass(frozen=True)
class CompiledResult:
    train_yhat: np.ndarray  # (repeats, train rows) scaled forecasts of the warming pass
    test_yhat: np.ndarray  # (repeats, test rows) scaled one-shot test forecasts
    compile_seconds: float  # 0 when a cached function was reused
    fit_seconds: float  # training plus evaluation, compile excluded


def run(data: PreparedSeries, epochs: int, batch_size: int, neurons: int, weights: list[list[np.ndarray]]) -> CompiledResult:
    """Train and evaluate `len(weights)` repeats together; `weights[r]` is repeat r's initial weights."""
    import tensorflow as tf

    key = (batch_size, neurons, len(weights), len(data.train), len(data.test))
    stacked = [tf.constant(np.stack(tensors)) for tensors in zip(*weights)]
    inputs = (
        tf.constant(data.train[:, 0].reshape(-1, batch_size)),
        tf.constant(data.train[:, 1].reshape(-1, batch_size)),
        tf.constant(data.test[:, 0].reshape(-1, batch_size)),
    )
    compile_seconds = 0.0
    if key not in _COMPILED:
        started = time.perf_counter()
        _COMPILED[key] = _build(batch_size, neurons, len(weights))
        _COMPILED[key](tf.constant(0), stacked, *inputs)  # traces and compiles; epochs=0 trains nothing
        compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    train_yhat, test_yhat = _COMPILED[key](tf.constant(epochs), stacked, *inputs)
    train_yhat, test_yhat = train_yhat.numpy(), test_yhat.numpy()
    return CompiledResult(
        train_yhat=train_yhat.reshape(len(weights), -1),
        test_yhat=test_yhat.reshape(len(weights), -1),
        compile_seconds=compile_seconds,
        fit_seconds=time.perf_counter() - started,
    )


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


def _build(batch_size: int, neurons: int, repeats: int) -> Callable:
    """A compiled `(epochs, initial weights, train x, train y, test x) -> (train yhat, test yhat)`."""
    import keras
    import tensorflow as tf

    shapes = [(1, 4 * neurons), (neurons, 4 * neurons), (4 * neurons,), (neurons, 1), (1,)]
    variables = [tf.Variable(tf.zeros((repeats, *shape))) for shape in shapes]
    optimizer = keras.optimizers.Adam()
    optimizer.build(variables)
    fresh_optimizer_state = [tf.constant(v.numpy()) for v in optimizer.variables]
    zeros = tf.zeros((repeats, batch_size, neurons))
    loss_per_sample = keras.losses.get("mean_squared_error")

    def forecast(x, h, c):
        kernel, recurrent_kernel, bias, dense_kernel, dense_bias = variables
        h, c = lstm_step(x, h, c, kernel, recurrent_kernel, bias)
        return dense(h, dense_kernel, dense_bias), h, c

    def train_step(step, h, c, train_x, train_y):
        """One stateful batch; the carried state is an input, so no gradient crosses batches (as in Keras)."""
        batch = step % train_x.shape[0]
        h = tf.where(batch == 0, zeros, h)  # state reset at every epoch boundary
        c = tf.where(batch == 0, zeros, c)
        with tf.GradientTape() as tape:
            yhat, h, c = forecast(train_x[batch], h, c)
            # Keras: per-sample loss, averaged over the batch; summed over repeats keeps gradients apart.
            per_sample = loss_per_sample(tf.broadcast_to(train_y[batch], yhat.shape)[..., None], yhat[..., None])
            loss = tf.reduce_sum(tf.reduce_mean(per_sample, axis=-1))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return step + 1, h, c

    def forecast_step(carry, x):
        """A scan step of the walk-forward pass; a scan, not an unrolled loop, keeps compiling fast."""
        _, h, c = carry
        return forecast(x, h, c)

    @tf.function(jit_compile=True, reduce_retracing=True)
    def train_and_forecast(epochs, initial_weights, train_x, train_y, test_x):
        for variable, value in zip(variables, initial_weights):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, fresh_optimizer_state):
            variable.assign(value)
        steps = epochs * train_x.shape[0]
        tf.while_loop(
            lambda step, h, c: step < steps,
            lambda step, h, c: train_step(step, h, c, train_x, train_y),
            (tf.constant(0), zeros, zeros),
        )
        # Warm the state on the training inputs, then forecast the test inputs in one shot, the
        # state carried throughout from the reset that ended the last epoch.
        forecasts, _, _ = tf.scan(
            forecast_step,
            tf.concat([train_x, test_x], axis=0),
            initializer=(tf.zeros((repeats, batch_size)), zeros, zeros),
        )  # (train batches + test batches, repeats, batch)
        forecasts = tf.transpose(forecasts, [1, 0, 2])
        train_batches = train_x.shape[0]
        return forecasts[:, :train_batches], forecasts[:, train_batches:]

    return train_and_forecast
