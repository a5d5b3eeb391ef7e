"""What one model across a catalogue costs against one model per series, on the compiled engine, beside the Keras loop.

    python benchmarks/global_training.py            # ~6 min on 2 cores

One point of the catalogue study (1000 epochs, batch 4, 1 unit, 30 repeats, 3 origins 12 months apart, a 12-month
test window) on the built-in `classic_monthly` collection (22 series of 72 months) and on 100 series (those 22 and 78
copies of them rescaled, reversed in time and noised, so that every series differs). Local: the sweep's trials, 8 series
of one length per trial as lanes (`series_per_trial`' default), one after another in one process, as a worker runs
them. Global: one trial fitting every series with one set of weights per repeat (`training: global`). Each
configuration runs in a fresh process, twice: cold (its first trial compiles its shapes) and warm (they are compiled),
as a sweep's later trials find them. The Keras loop trains the same global model at one origin and one repeat for 21
epochs and for 1: the difference over 20 is its cost per epoch, against the compiled engine's per repeat-origin-epoch.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np

POINT = {"epochs": 1000, "batch_size": 4, "neurons": 1}
REPEATS = 30
SERIES_PER_TRIAL = 8
KERAS_EPOCHS = 20


def catalogue(count: int) -> dict[str, np.ndarray]:
    real = _classic_monthly()
    names = list(real)
    rng = np.random.default_rng(0)
    series = dict(real)
    for index in range(count - len(real)):
        base = real[names[index % len(names)]]
        varied = base[::-1] if index % 2 else base
        series[f"copy{index:02d}"] = varied * rng.uniform(0.5, 2.0) + rng.normal(0, base.std() * 0.1, len(base))
    return dict(list(series.items())[:count])


def _classic_monthly() -> dict[str, np.ndarray]:
    from sweep.config.loading import parse_config
    from sweep.data.catalogue import load_catalogue

    grid = {"epochs": [1], "batch_size": [1], "neurons": [1]}
    config = parse_config({"name": "b", "data": {"source": "classic_monthly"}, "studies": {"s": grid}})
    return load_catalogue(config.data).values


def request(series: list[str], training: str, engine: str = "compiled", repeats: int = REPEATS, origins: int = 3, epochs: int = 1000):
    from trainables import TrialRequest

    point = POINT | {"epochs": epochs} | ({"training": training} if training == "global" else {})
    return TrialRequest(point=point, repeat_indices=tuple(range(repeats)), base_seed=0, engine=engine, test_size=12, difference_lag=1,
                        diagnostics_every=0, origins=origins, origin_step=12, season=12, series=tuple(series))  # fmt: skip


def timed(count: int, training: str) -> dict:
    """Cold and warm seconds of the configuration's trials on `count` series, in this process."""
    from trainables import run_trial

    values = catalogue(count)
    names = list(values)
    trials = [names] if training == "global" else [names[start : start + SERIES_PER_TRIAL] for start in range(0, count, SERIES_PER_TRIAL)]
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        rows = [row for group in trials for row in run_trial(request(group, training), values).repeats]
        seconds.append(time.perf_counter() - started)
    fits = len(rows)  # repeat x series x origin
    return {
        "cold": seconds[0],
        "warm": seconds[1],
        "trials": len(trials),
        "fits": fits,
        "mase": float(np.mean([row.test_mase for row in rows])),
    }


def keras_epoch_seconds(count: int) -> float:
    """The Keras loop's seconds per epoch of one global repeat at one origin: a trial of 1 + KERAS_EPOCHS epochs less one
    of 1 epoch (building the models and forecasting every series cost both the same), after a warm-up trial."""
    from trainables import run_trial

    values = catalogue(count)
    seconds = []
    for epochs in (1, 1, 1 + KERAS_EPOCHS):
        started = time.perf_counter()
        run_trial(request(list(values), "global", "keras", repeats=1, origins=1, epochs=epochs), values)
        seconds.append(time.perf_counter() - started)
    return (seconds[2] - seconds[1]) / KERAS_EPOCHS


def child(arguments: list[str]) -> dict:
    completed = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 3:  # a child: one count and training
        count, training = int(sys.argv[1]), sys.argv[2]
        print(json.dumps(keras_epoch_seconds(count) if training == "keras" else timed(count, training)))
        return
    print("| series | training | trials | fits (repeat x series x origin) | cold s | warm s | warm ms per fit | global / local (warm) "
          "| mean MASE |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    global_22 = None
    for count in (22, 100):
        runs = {training: child([str(count), training]) for training in ("local", "global")}
        for training, run in runs.items():
            ratio = run["warm"] / runs["local"]["warm"]
            print(f"| {count} | {training} | {run['trials']} | {run['fits']:,} | {run['cold']:.1f} | {run['warm']:.1f} | "
                  f"{1000 * run['warm'] / run['fits']:.2f} | {ratio:.2f}x | {run['mase']:.3f} |")  # fmt: skip
        global_22 = global_22 or runs["global"]
    keras = child(["22", "keras"])
    compiled = global_22["warm"] / (REPEATS * 3 * POINT["epochs"])  # 30 repeats at 3 origins train side by side
    print(
        f"\nGlobal model on 22 series, per epoch of one repeat at one origin: Keras loop {keras * 1000:.1f} ms, compiled "
        f"{compiled * 1000:.4f} ms (30 repeats x 3 origins side by side, warm): {keras / compiled:,.0f}x"
    )


if __name__ == "__main__":
    main()
