"""The Ray Tune trainable: one configuration point, one or more seeded repeats, one report.

`run_trial` is a pure function of its config and the raw series, callable without Ray:

    >>> run_trial({"point": {"epochs": 10, "batch_size": 4, "neurons": 1},
    ...            "repeats": [0], "seed": 0, "engine": "keras", "test_size": 12}, series)

TensorFlow is imported inside the trial (in the engines), never when `sweep` is imported.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import numpy as np

from trainables.data import prepare

POINT_AXES = ("epochs", "batch_size", "neurons")


def trial_seed(base_seed: int, point: dict[str, Any], repeat: int) -> int:
    """A seed that depends only on the base seed, the point and the repeat, never on scheduling."""
    point_digest = hashlib.sha256(json.dumps(point, sort_keys=True).encode()).digest()
    entropy = [base_seed, repeat, int.from_bytes(point_digest[:8], "little")]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def run_trial(config: dict[str, Any], series: np.ndarray) -> dict[str, Any]:
    """Fit and evaluate each repeat of one point; return the mean scores plus one row per repeat."""
    from trainables.engines import keras_loop
    from trainables.model import initial_weights

    point = config["point"]
    epochs, batch_size, neurons = (point[axis] for axis in POINT_AXES)
    data = prepare(series, config["test_size"])
    rows = []
    for repeat in config["repeats"]:
        seed = trial_seed(config["seed"], point, repeat)
        _seed_all(seed)
        weights = initial_weights(neurons, seed)
        started = time.perf_counter()
        train_yhat, test_yhat = keras_loop.run(data, epochs, batch_size, neurons, weights)
        rows.append(
            {
                "repeat": repeat,
                "seed": seed,
                "test_rmse": float(data.test_rmse(test_yhat)),
                "train_rmse": float(data.train_rmse(train_yhat)),
                "fit_seconds": time.perf_counter() - started,
            }
        )
    return {
        "test_rmse": float(np.mean([row["test_rmse"] for row in rows])),
        "train_rmse": float(np.mean([row["train_rmse"] for row in rows])),
        "fit_seconds": float(sum(row["fit_seconds"] for row in rows)),
        "per_repeat": rows,
    }


def _seed_all(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow from the trial's own seed, so nothing depends on trial order."""
    import keras

    keras.utils.set_random_seed(seed)


def tune_trainable(config: dict[str, Any], series: np.ndarray) -> None:
    """Entry point for `tune.with_parameters`; the series travels through Ray's object store."""
    from ray import tune

    tune.report(run_trial(config, series))
