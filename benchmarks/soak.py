"""A long sweep of many shapes, watching memory: each trial worker's and the driver's, start to end.

    $ python benchmarks/soak.py [--shapes 60] [--trials-per-shape 5] [--epochs 20]

The grid crosses units x batch x layers x lags, so every point is its own compiled shape; each
point's repeats are split over several trials, so one worker sees each shape several times. A
sampler thread reads the resident memory of the driver and of every Tune worker process
(`ray::ImplicitFunc`) twice a second; the table gives each one's first, quarter-way, half-way,
last and peak figure (the first is taken before TensorFlow is imported).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sweep.cli.run import main  # noqa: E402

UNITS, BATCHES, LAYERS, LAGS = [1, 2, 3, 4, 5], [1, 2, 4], [1, 2], [1, 2]


def soak_config(shapes: int, trials_per_shape: int, epochs: int) -> dict:
    points = list(itertools.product(UNITS, BATCHES, LAYERS, LAGS))[:shapes]
    studies = {
        f"s{index}": {"epochs": [epochs], "neurons": [units], "batch_size": [batch], "layers": [layers], "lags": [lags]}
        for index, (units, batch, layers, lags) in enumerate(points)
    }
    return {"name": "soak", "repeats": 2 * trials_per_shape, "repeats_per_trial": 2, "seed": 0, "studies": studies}


class MemoryWatch:
    """RSS in MiB of this process and of every trial worker, sampled until stopped."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.samples, self.stopped = interval, {}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.is_set():
            for process in [psutil.Process(), *self._workers()]:
                try:
                    rss = process.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                self.samples.setdefault(process.pid, []).append(rss)
            time.sleep(self.interval)

    @staticmethod
    def _workers():
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info["cmdline"] or []
            if cmdline and cmdline[0].startswith("ray::ImplicitFunc"):
                yield process

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()


def main_soak() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", type=int, default=60)
    parser.add_argument("--trials-per-shape", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    config = soak_config(args.shapes, args.trials_per_shape, args.epochs)
    trials = args.shapes * args.trials_per_shape
    with tempfile.TemporaryDirectory() as folder, MemoryWatch() as watch:
        path = Path(folder) / "soak.yaml"
        path.write_text(yaml.safe_dump(config))
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(["--config", str(path), "--storage", folder, "--num-cpus", "2"])
        wall = time.perf_counter() - started
    print(f"soak: {trials} trials, {args.shapes} shapes, {args.epochs} epochs, exit {status}, {wall:.0f} s wall")
    print("| process | samples | first MiB | at 25% MiB | at 50% MiB | last MiB | peak MiB |\n|---|---|---|---|---|---|---|")
    driver = psutil.Process().pid
    for pid, rss in sorted(watch.samples.items(), key=lambda item: item[0] != driver):
        name = "driver" if pid == driver else f"worker {pid}"
        quarter, half = rss[len(rss) // 4], rss[len(rss) // 2]
        print(f"| {name} | {len(rss)} | {rss[0]:.0f} | {quarter:.0f} | {half:.0f} | {rss[-1]:.0f} | {max(rss):.0f} |")


if __name__ == "__main__":
    main_soak()
