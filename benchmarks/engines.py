"""Time the Keras loop against the compiled engine on the same points, then the full study end to end.

    $ python benchmarks/engines.py [--epochs 1000] [--keras-repeats 1] [--skip-study]

Both engines start from the same seeded initial weights in one process on one machine; seconds are
training plus walk-forward evaluation, compile excluded (reported apart). The study is
`python -m sweep.run --config seed.yaml` in a subprocess, timed from Ray start to printed tables,
with the largest resident set of any Ray worker sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import psutil  # noqa: E402  (pip install ".[bench]")

from sweep.data.series import load_series  # noqa: E402
from trainables.contract import repeat_seed  # noqa: E402
from trainables.data import prepare  # noqa: E402
from trainables.engines import compiled, keras_loop  # noqa: E402
from trainables.model import initial_state  # noqa: E402
from trainables.spec import ModelSpec  # noqa: E402

# (batch_size, model axes) at the chosen epochs: the study's corners, then extensions that change the work
POINTS = [
    (4, {"neurons": 1}), (1, {"neurons": 1}), (4, {"neurons": 5}),
    (4, {"neurons": 1, "recurrent_dropout": 0.2}), (4, {"neurons": 1, "dropout": 0.2}),
    (4, {"neurons": 1, "layers": 2}), (4, {"neurons": 1, "lags": 2, "timesteps": 2}),
    (8, {"neurons": 1}),
]  # fmt: skip
VECTOR_WIDTH = 30  # the study's repeats per point, trained side by side


def time_keras(data, epochs, batch_size, spec, initial) -> float:
    runs = keras_loop.KerasRuns(data, batch_size, spec, [initial])  # builds and compiles the model, untimed
    started = time.perf_counter()
    runs.train(epochs)
    runs.walk_forward()
    return time.perf_counter() - started


def time_compiled(data, epochs, batch_size, spec, initial, runs=5) -> tuple[float, float]:
    """(compile seconds, median seconds of `runs` runs) for one run over all of `initial`."""
    compile_seconds = compiled.CompiledRuns(data, batch_size, spec, initial).compile_seconds
    fits = []
    for _ in range(runs):
        engine = compiled.CompiledRuns(data, batch_size, spec, initial)
        started = time.perf_counter()
        engine.train(epochs)
        engine.walk_forward()
        fits.append(time.perf_counter() - started)
    return compile_seconds, statistics.median(fits)


def engine_rows(epochs: int, keras_repeats: int) -> list[str]:
    series = load_series("shampoo").values
    rows = []
    for batch_size, axes in POINTS:
        point = {"epochs": epochs, "batch_size": batch_size, **axes}
        spec = ModelSpec(**axes)
        data = prepare(series, 12, lags=spec.lags, timesteps=spec.timesteps, batch_size=batch_size)
        initial = [initial_state(spec, repeat_seed(0, point, repeat)) for repeat in range(VECTOR_WIDTH)]
        keras = statistics.median(time_keras(data, epochs, batch_size, spec, initial[r]) for r in range(keras_repeats))
        compile_one, fit_one = time_compiled(data, epochs, batch_size, spec, initial[:1])
        compile_all, fit_all = time_compiled(data, epochs, batch_size, spec, initial)
        per_repeat = fit_all / VECTOR_WIDTH
        rows.append(
            f"| {epochs}/{batch_size}/{spec.neurons} {extensions(axes)} | {keras:.2f} | {fit_one * 1e3:.2f} | {keras / fit_one:,.0f}x "
            f"| {per_repeat * 1e3:.3f} | {keras / per_repeat:,.0f}x | {compile_one:.2f} / {compile_all:.2f} |"
        )
        print(rows[-1], flush=True)
    return rows


def extensions(axes: dict) -> str:
    return " ".join(f"{axis} {value}" for axis, value in axes.items() if axis != "neurons")


def time_study(config: str) -> tuple[float, float, int]:
    """(wall seconds, peak worker RSS in GiB, exit status) of the CLI on `config`."""
    peak = 0
    with tempfile.TemporaryDirectory() as storage:
        command = [sys.executable, "-m", "sweep.run", "--config", config, "--storage", storage, "--num-cpus", "2"]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.2):
                for worker in psutil.process_iter(["cmdline", "memory_info"]):
                    title = " ".join(worker.info["cmdline"] or [])
                    if title.startswith("ray::") and worker.info["memory_info"]:  # Ray workers retitle themselves
                        peak = max(peak, worker.info["memory_info"].rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = process.wait()
        done.set()
        sampler.join()
        return time.perf_counter() - started, peak / 2**30, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--keras-repeats", type=int, default=1, help="Keras trials per point (each ~1-2 min)")
    parser.add_argument("--skip-engines", action="store_true", help="skip the per-trial engine comparison")
    parser.add_argument("--skip-study", action="store_true", help="skip timing conf/seed.yaml end to end")
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not args.skip_engines:
        print_engine_table(args.epochs, args.keras_repeats)
    if not args.skip_study:
        wall, peak, status = time_study("seed.yaml")
        print(f"\nconf/seed.yaml end to end: {wall:.1f} s wall, peak worker RSS {peak:.2f} GiB, exit status {status}")


def print_engine_table(epochs: int, keras_repeats: int) -> None:
    print(
        "| epochs/batch/neurons extensions | keras s/trial | compiled ms/trial (1 repeat) | ratio "
        f"| compiled ms/trial ({VECTOR_WIDTH} repeats together) | ratio | compile s (1 / {VECTOR_WIDTH}) |"
    )
    print("|---|---|---|---|---|---|---|")
    engine_rows(epochs, keras_repeats)


if __name__ == "__main__":
    main()
