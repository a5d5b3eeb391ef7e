"""TensorFlow's CPU Philox uniform, written in plain integer ops so XLA computes it bit for bit.

Inside `jit_compile` XLA generates stateless random numbers with its own Philox stream, so
`tf.nn.experimental.stateless_dropout` there draws other masks than the Keras layers draw outside
XLA from the same seed. These functions reproduce the CPU kernel instead (Philox4x32-10, four
numbers per counter step, 23 mantissa bits per float), so the compiled engine drops the same units.
"""

from __future__ import annotations

import numpy as np

MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
KEY_INCREMENTS = (0x9E3779B9, 0xBB67AE85)
ROUNDS = 10


def _words(tensor):
    """A 64-bit tensor (k,) -> its k*2 uint32 words, low word first (TensorFlow's layout on x86 and ARM)."""
    import tensorflow as tf

    return tf.reshape(tf.bitcast(tensor, tf.uint32), [-1])


def _multiply(a: int, b):
    """(high, low) 32-bit words of the 64-bit product of a constant and uint32 tensor b."""
    import tensorflow as tf

    words = tf.bitcast(tf.constant(a, tf.uint64) * tf.cast(b, tf.uint64), tf.uint32)
    return words[..., 1], words[..., 0]


def philox_uniform(shape: tuple[int, ...], seed):
    """What `tf.random.stateless_uniform(shape, seed)` gives on CPU, for a non-negative int32 seed of shape (2,).

    (Keras's seeds are non-negative: it folds its int64 generator state into int32 with a floormod.)
    """
    import tensorflow as tf

    key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
    key_words, counter_words = _words(key), _words(counter)
    size = int(np.prod(shape))
    groups = -(-size // 4)
    # Group i runs from the counter advanced by i; the derived counter's first word is 0, so no carry.
    c0 = counter_words[0] + tf.constant(np.arange(groups, dtype=np.uint32))
    c1, c2, c3 = (tf.fill([groups], counter_words[i]) for i in (1, 2, 3))
    k0, k1 = key_words[0], key_words[1]
    for round_ in range(ROUNDS):
        high0, low0 = _multiply(MULTIPLIERS[0], c0)
        high1, low1 = _multiply(MULTIPLIERS[1], c2)
        xor = tf.bitwise.bitwise_xor
        c0, c1, c2, c3 = xor(xor(high1, c1), k0), low1, xor(xor(high0, c3), k1), low0
        if round_ < ROUNDS - 1:
            k0, k1 = k0 + tf.constant(KEY_INCREMENTS[0], tf.uint32), k1 + tf.constant(KEY_INCREMENTS[1], tf.uint32)
    bits = tf.reshape(tf.stack([c0, c1, c2, c3], axis=-1), [-1])[:size]
    mantissa = tf.bitwise.bitwise_or(tf.bitwise.bitwise_and(bits, tf.constant(0x7FFFFF, tf.uint32)), tf.constant(0x3F800000, tf.uint32))
    floats = tf.bitcast(mantissa, tf.float32) - 1.0
    return tf.reshape(floats, shape)


def keras_dropout_mask(shape: tuple[int, ...], rate: float, generator):
    """`keras.random.dropout(ones(shape), rate, seed=generator)` as the TensorFlow backend computes it outside XLA."""
    import tensorflow as tf

    seed = tf.cast(tf.math.floormod(generator.next(), tf.int32.max - 1), tf.int32)  # Keras's `_cast_seed`
    return stateless_dropout_mask(shape, rate, seed)


def stateless_dropout_mask(shape: tuple[int, ...], rate: float, seed):
    """`tf.nn.experimental.stateless_dropout(ones(shape), rate, seed)` as the CPU kernel computes it."""
    import tensorflow as tf

    scale = tf.constant(1 / (1 - rate), tf.float32)
    return tf.where(philox_uniform(shape, seed) >= rate, scale, tf.constant(0.0))
