"""The Ray Tune trainable: one configuration point, one or more seeded repeats, one final report.

`run_trial` is a pure function of its config and the raw series, callable without Ray:

    >>> run_trial({"point": {"epochs": 10, "batch_size": 4, "neurons": 1, "dropout": 0.2},
    ...            "repeats": [0, 1], "seed": 0, "engine": "compiled", "test_size": 12, "lag": 1}, series)

TensorFlow is imported inside the trial (in the engines), never when `sweep` is imported.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Callable

import numpy as np

from trainables.data import prepare
from trainables.spec import ModelSpec, canonical_point


def trial_seed(base_seed: int, point: dict[str, Any], repeat: int) -> int:
    """A seed that depends only on the base seed, the point and the repeat, never on scheduling.

    Extension axes at their defaults do not count: the reference study's points keep their seeds.
    """
    point_digest = hashlib.sha256(json.dumps(canonical_point(point), sort_keys=True).encode()).digest()
    entropy = [base_seed, repeat, int.from_bytes(point_digest[:8], "little")]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def run_trial(config: dict[str, Any], series: np.ndarray, report: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Fit and evaluate each repeat of one point; return the mean scores plus one row per repeat.

    With `diagnostics_every` = N > 0, training pauses every N epochs for the protocol's diagnostic
    train/test RMSE, passed to `report` (Tune's, under Ray); the diagnostics never touch the weights.
    """
    from trainables.model import initial_state

    point = config["point"]
    spec = ModelSpec.from_point(point)
    data = prepare(series, config["test_size"], config.get("lag", 1), spec.lags, spec.timesteps, point["batch_size"])
    seeds = [trial_seed(config["seed"], point, repeat) for repeat in config["repeats"]]
    _seed_all(seeds[0])
    runs = _engine(config["engine"])(data, point["batch_size"], spec, [initial_state(spec, seed) for seed in seeds])
    started = time.perf_counter()
    epochs_done, every, diagnostics = 0, config.get("diagnostics_every", 0), {}
    for chunk in epoch_chunks(point["epochs"], every):
        runs.train(chunk)
        epochs_done += chunk
        if every:
            diagnostics = _diagnostic_scores(data, *runs.diagnose())
            if epochs_done < point["epochs"] and report is not None:
                report(diagnostics | {"epoch": epochs_done})
    # The last diagnostic rides on the final report: a scheduler stopping at max_t cannot cut it off.
    train_yhat, test_yhat = runs.walk_forward()
    test_rmse, train_rmse = data.test_rmse(test_yhat), data.train_rmse(train_yhat)
    share = 1 / len(seeds)  # repeats trained together share the trial's seconds equally
    fit_seconds, compile_seconds = (time.perf_counter() - started) * share, runs.compile_seconds * share
    rows = [
        {
            "repeat": repeat,
            "seed": seed,
            "test_rmse": float(test),
            "train_rmse": float(train),
            "fit_seconds": fit_seconds,
            "compile_seconds": compile_seconds,
        }
        for repeat, seed, test, train in zip(config["repeats"], seeds, test_rmse, train_rmse)
    ]
    return {
        "epoch": epochs_done,
        "test_rmse": float(np.mean(test_rmse)),
        "train_rmse": float(np.mean(train_rmse)),
        "fit_seconds": fit_seconds * len(seeds),
        "compile_seconds": compile_seconds * len(seeds),
        "training_rows": len(data.train),
        "trimmed_rows": data.trimmed_rows,
        "forecast_batch_size": runs.forecast_batch_size,
        "per_repeat": rows,
        **{key: value for key, value in diagnostics.items() if key.startswith("diagnostic_")},
    }


def epoch_chunks(epochs: int, every: int) -> list[int]:
    """Epochs between diagnostic reports: `every` at a time, the remainder last; all at once if 0."""
    if not every:
        return [epochs]
    return [every] * (epochs // every) + ([epochs % every] if epochs % every else [])


def _diagnostic_scores(data, train_yhat: np.ndarray, test_yhat: np.ndarray) -> dict[str, Any]:
    """Mean diagnostic RMSEs as Tune's metrics (what a scheduler compares), plus each repeat's own."""
    train_rmse, test_rmse = data.train_rmse(train_yhat), data.test_rmse(test_yhat)
    return {
        "test_rmse": float(np.mean(test_rmse)),
        "train_rmse": float(np.mean(train_rmse)),
        "diagnostic_test_rmse": [float(value) for value in test_rmse],
        "diagnostic_train_rmse": [float(value) for value in train_rmse],
    }


def _engine(name: str):
    if name == "keras":
        from trainables.engines.keras_loop import KerasRuns

        return KerasRuns
    from trainables.engines.compiled import CompiledRuns

    return CompiledRuns


def _seed_all(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow from the trial's first seed, so nothing depends on trial order.

    The engines draw nothing from these generators (initial weights and dropout use explicit seeds);
    this keeps anything random a library does on its own reproducible per trial.
    """
    import keras

    keras.utils.set_random_seed(seed)


def tune_trainable(config: dict[str, Any], series: np.ndarray) -> None:
    """Entry point for `tune.with_parameters`; the series travels through Ray's object store.

    The final report also names the node the trial ran on (node IPs can repeat: several nodes per host).
    """
    import ray
    from ray import tune

    result = run_trial(config, series, report=tune.report)
    tune.report(result | {"node_id": ray.get_runtime_context().get_node_id()})
