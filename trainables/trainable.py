"""The Ray Tune trainable: one configuration point, one or more seeded repeats, one report.

`run_trial` is a pure function of its config and the raw series, callable without Ray:

    >>> run_trial({"point": {"epochs": 10, "batch_size": 4, "neurons": 1},
    ...            "repeats": [0, 1], "seed": 0, "engine": "compiled", "test_size": 12}, series)

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
    from trainables.model import initial_weights

    point = config["point"]
    data = prepare(series, config["test_size"])
    seeds = [trial_seed(config["seed"], point, repeat) for repeat in config["repeats"]]
    weights = [initial_weights(point["neurons"], seed) for seed in seeds]
    engine = ENGINES[config["engine"]]
    train_yhat, test_yhat, compile_seconds, fit_seconds = engine(data, point, seeds, weights)
    rows = [
        {
            "repeat": repeat,
            "seed": seed,
            "test_rmse": float(test_rmse),
            "train_rmse": float(train_rmse),
            "fit_seconds": fit,
            "compile_seconds": compile_,
        }
        for repeat, seed, test_rmse, train_rmse, fit, compile_ in zip(
            config["repeats"], seeds, data.test_rmse(test_yhat), data.train_rmse(train_yhat), fit_seconds, compile_seconds
        )
    ]
    return {
        "test_rmse": float(np.mean([row["test_rmse"] for row in rows])),
        "train_rmse": float(np.mean([row["train_rmse"] for row in rows])),
        "fit_seconds": float(sum(fit_seconds)),
        "compile_seconds": float(sum(compile_seconds)),
        "per_repeat": rows,
    }


def _keras_engine(data, point, seeds, weights):
    """One repeat after another through the study's own loop; Keras builds count as compile time."""
    from trainables.engines import keras_loop

    forecasts, compile_seconds, fit_seconds = [], [], []
    for seed, initial in zip(seeds, weights):
        _seed_all(seed)
        started = time.perf_counter()
        model = keras_loop.build_stateful_lstm(point["batch_size"], point["neurons"], initial)
        built = time.perf_counter()
        keras_loop.train(model, data, point["epochs"], point["batch_size"])
        forecasts.append(keras_loop.walk_forward(model, data, point["batch_size"]))
        compile_seconds.append(built - started)
        fit_seconds.append(time.perf_counter() - built)
    train_yhat, test_yhat = (np.stack(parts) for parts in zip(*forecasts))
    return train_yhat, test_yhat, compile_seconds, fit_seconds


def _compiled_engine(data, point, seeds, weights):
    """All repeats of the trial side by side in one compiled run; its seconds are shared equally."""
    from trainables.engines import compiled

    result = compiled.run(data, point["epochs"], point["batch_size"], point["neurons"], weights)
    share = 1 / len(seeds)
    return (
        result.train_yhat,
        result.test_yhat,
        [result.compile_seconds * share] * len(seeds),
        [result.fit_seconds * share] * len(seeds),
    )


ENGINES = {"keras": _keras_engine, "compiled": _compiled_engine}


def _seed_all(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow from the trial's own seed, so nothing depends on trial order."""
    import keras

    keras.utils.set_random_seed(seed)


def tune_trainable(config: dict[str, Any], series: np.ndarray) -> None:
    """Entry point for `tune.with_parameters`; the series travels through Ray's object store."""
    from ray import tune

    tune.report(run_trial(config, series))
