"""TensorFlow's CPU Philox uniform, written in plain integer ops so XLA computes it bit for bit.

Inside `jit_compile` XLA generates stateless random numbers with its own Philox stream, so
`tf.nn.experimental.stateless_dropout` there draws other masks than the Keras layers draw outside
XLA from the same seed. These functions reproduce the CPU kernel instead (seed scrambling, then
Philox4x32-10, four numbers per counter step, 23 mantissa bits per float), vectorised over any
number of seeds, so the compiled engine drops the same units for every repeat in one computation.
"""

from __future__ import annotations

import numpy as np

MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
KEY_INCREMENTS = (0x9E3779B9, 0xBB67AE85)
SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)  # TensorFlow's fixed key for turning a seed into a key and counter
ROUNDS = 10


def _multiply(a: int, b):
    """(high, low) 32-bit words of the 64-bit product of a constant and a uint32 tensor."""
    import tensorflow as tf

    words = tf.bitcast(tf.constant(a, tf.uint64) * tf.cast(b, tf.uint64), tf.uint32)
    return words[..., 1], words[..., 0]


def philox(counter, key):
    """Philox4x32-10 of four uint32 counter words under two key words, elementwise over any shape."""
    import tensorflow as tf

    c0, c1, c2, c3 = counter
    k0, k1 = key
    xor = tf.bitwise.bitwise_xor
    for round_ in range(ROUNDS):
        high0, low0 = _multiply(MULTIPLIERS[0], c0)
        high1, low1 = _multiply(MULTIPLIERS[1], c2)
        c0, c1, c2, c3 = xor(xor(high1, c1), k0), low1, xor(xor(high0, c3), k1), low0
        if round_ < ROUNDS - 1:
            k0, k1 = k0 + tf.constant(KEY_INCREMENTS[0], tf.uint32), k1 + tf.constant(KEY_INCREMENTS[1], tf.uint32)
    return c0, c1, c2, c3


def key_and_counter(seeds):
    """`StatelessRandomGetKeyCounter` for non-negative int32 seeds (..., 2): ((key words), (counter words))."""
    import tensorflow as tf

    words = tf.cast(seeds, tf.uint32)
    zeros = tf.zeros_like(words[..., 0])
    scramble = tuple(tf.fill(tf.shape(zeros), tf.constant(word, tf.uint32)) for word in SCRAMBLE_KEY)
    mix = philox((words[..., 0], zeros, words[..., 1], zeros), scramble)
    return (mix[0], mix[1]), (zeros, zeros, mix[2], mix[3])


def philox_uniform(shape: tuple[int, ...], seeds):
    """What `tf.random.stateless_uniform(shape, seed)` gives on CPU, for each seed of `seeds` (..., 2).

    Seeds must be non-negative int32 (Keras folds its generator state into that range). Returns (..., *shape).
    """
    import tensorflow as tf

    (k0, k1), (c0, c1, c2, c3) = key_and_counter(seeds)
    size = int(np.prod(shape))
    groups = -(-size // 4)
    # Group i runs from the counter advanced by i; the scrambled counter's first word is 0, so no carry.
    steps = tf.constant(np.arange(groups, dtype=np.uint32))
    expand = lambda word: tf.broadcast_to(word[..., None], tf.concat([tf.shape(word), [groups]], 0))  # noqa: E731
    bits = philox((c0[..., None] + steps, expand(c1), expand(c2), expand(c3)), (expand(k0), expand(k1)))
    bits = tf.reshape(tf.stack(bits, axis=-1), tf.concat([tf.shape(c0), [4 * groups]], 0))[..., :size]
    mantissa = tf.bitwise.bitwise_or(tf.bitwise.bitwise_and(bits, tf.constant(0x7FFFFF, tf.uint32)), tf.constant(0x3F800000, tf.uint32))
    floats = tf.bitcast(mantissa, tf.float32) - 1.0
    return tf.reshape(floats, tf.concat([tf.shape(c0), shape], 0))


def keras_seeds(base_seeds, first_draw, draws: int):
    """The int32 seeds of `draws` consecutive draws from Keras `SeedGenerator`s seeded with `base_seeds` (...).

    A generator seeded S gives [S, k] at its k-th draw; Keras's TensorFlow backend folds that into
    int32 with a floormod (`_cast_seed`). Returns (..., draws, 2).
    """
    import tensorflow as tf

    base = tf.broadcast_to(base_seeds[..., None], tf.concat([tf.shape(base_seeds), [draws]], 0))
    counts = tf.broadcast_to(first_draw + tf.range(draws, dtype=tf.int64), tf.shape(base))
    return tf.cast(tf.math.floormod(tf.stack([base, counts], axis=-1), tf.int32.max - 1), tf.int32)


def dropout_masks(shape: tuple[int, ...], rate: float, seeds):
    """`tf.nn.experimental.stateless_dropout(ones(shape), rate, seed)` as the CPU kernel computes it, per seed."""
    import tensorflow as tf

    scale = tf.constant(1 / (1 - rate), tf.float32)
    return tf.where(philox_uniform(shape, seeds) >= rate, scale, tf.constant(0.0))
