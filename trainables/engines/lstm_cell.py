"""Keras's LSTM cell for repeats side by side: each repeat (lane) its own weights, one batched computation."""

from __future__ import annotations


def lane_matmul(inputs, weights):
    """(repeats, batch, k) x (repeats, k, m) -> (repeats, batch, m), each repeat its own weights.

    For k > 1 a broadcast product summed over k, not a batched matmul: XLA's CPU backend runs a
    batched dot of these tiny matrices as one small matrix product per repeat, and those calls were
    most of a training step (2-5 units took 5-15x the time of 1 unit). For k = 1 XLA already turns
    the matmul into a product: it stays, so one-unit runs keep their numbers to the last digit.
    """
    import tensorflow as tf

    if inputs.shape[-1] == 1:
        return tf.einsum("rbk,rkm->rbm", inputs, weights)
    return tf.reduce_sum(inputs[..., :, None] * weights[:, None, :, :], axis=-2)


def lstm_cell(x, h, c, kernel, recurrent_kernel, bias, input_masks, recurrent_masks):
    """Keras `LSTMCell` for one time step, batched over repeats.

    x: (repeats, batch, inputs); h, c: (repeats, batch, n); kernel (repeats, inputs, 4n); recurrent_kernel
    (repeats, n, 4n); bias (repeats, 4n). Gate order i, f, c, o. Masks: none, one for all gates (Keras's
    fused implementation, dropout only) or one per gate (its per-gate one, with recurrent dropout).
    """
    import tensorflow as tf

    if len(input_masks) == 1:
        x = x * input_masks[0]
    if len(input_masks) < 4 and not recurrent_masks:
        z = lane_matmul(x, kernel) + lane_matmul(h, recurrent_kernel) + bias[:, None, :]
        z_input, z_forget, z_cell, z_output = tf.split(z, 4, axis=-1)
    else:
        gate_inputs = [x * mask for mask in input_masks] or [x] * 4
        gate_states = [h * mask for mask in recurrent_masks] or [h] * 4
        kernels, recurrent_kernels = tf.split(kernel, 4, axis=-1), tf.split(recurrent_kernel, 4, axis=-1)
        biases = tf.split(bias, 4, axis=-1)
        z_input, z_forget, z_cell, z_output = (
            lane_matmul(xg, kg) + bg[:, None, :] + lane_matmul(hg, rg)
            for xg, hg, kg, rg, bg in zip(gate_inputs, gate_states, kernels, recurrent_kernels, biases)
        )
    c = tf.sigmoid(z_forget) * c + tf.sigmoid(z_input) * tf.tanh(z_cell)
    h = tf.sigmoid(z_output) * tf.tanh(c)
    return h, c
