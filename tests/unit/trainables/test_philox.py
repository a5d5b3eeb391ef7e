"""`philox.py` is TensorFlow's CPU Philox, bit for bit, inside XLA too: the README calls it bit-exact."""

import numpy as np
import pytest
import tensorflow as tf

from trainables.engines.philox import dropout_masks, keras_seeds, philox_uniform

SEEDS = [(0, 0), (1, 2), (12345, 678), (2**31 - 2, 2**31 - 2), (987654321, 5)]
SHAPES = [(1,), (3,), (4, 5), (2, 3, 7)]  # sizes that are and are not multiples of Philox's four outputs


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_uniform_equals_tensorflows_stateless_uniform_bit_for_bit(shape):
    seeds = tf.constant(SEEDS, tf.int32)
    ours = philox_uniform(shape, seeds).numpy()
    for index, seed in enumerate(SEEDS):
        with tf.device("/CPU:0"):
            reference = tf.random.stateless_uniform(shape, seed=seed).numpy()
        np.testing.assert_array_equal(ours[index].view(np.uint32), reference.view(np.uint32))


def test_uniform_is_the_same_inside_xla():
    seeds = tf.constant(SEEDS, tf.int32)
    compiled = tf.function(lambda s: philox_uniform((4, 5), s), jit_compile=True)
    np.testing.assert_array_equal(compiled(seeds).numpy(), philox_uniform((4, 5), seeds).numpy())


def test_dropout_masks_equal_tensorflows_stateless_dropout():
    seeds = tf.constant(SEEDS, tf.int32)
    masks = dropout_masks((6, 3), 0.3, seeds).numpy()
    for index, seed in enumerate(SEEDS):
        with tf.device("/CPU:0"):
            reference = tf.nn.experimental.stateless_dropout(tf.ones((6, 3)), rate=0.3, seed=seed).numpy()
        np.testing.assert_array_equal(masks[index], reference)
    assert 0 < (masks == 0).mean() < 1  # some units dropped, some kept


def test_keras_seeds_fold_like_keras_including_the_int32_wrap():
    """A SeedGenerator seeded S gives [S, k] at its k-th draw, folded into int32 by a floormod."""
    base = tf.constant([3, 2**31 + 5], tf.int64)
    seeds = keras_seeds(base, tf.constant(2**31, tf.int64), 2).numpy()
    modulus = 2**31 - 2
    expected = [[[3 % modulus, 2**31 % modulus], [3 % modulus, (2**31 + 1) % modulus]],
                [[(2**31 + 5) % modulus, 2**31 % modulus], [(2**31 + 5) % modulus, (2**31 + 1) % modulus]]]  # fmt: skip
    np.testing.assert_array_equal(seeds, expected)
