"""A catalogue at scale: wall, and the peak memory of the driver and of the trial workers, as the number of series
grows. Each size is a real `python -m sweep.run` on a local Ray.

    $ python benchmarks/scale.py [--series 100 1000] [--repeats 30] [--num-cpus 2] [--before ../old-checkout]
                                 [--series-per-trial 8 32] [--configurations 11 --epochs 10]

The series are simulated monthly demand, 72 months each (a random level, trend, a yearly season and noise), one
long-format CSV. The sweep is one configuration (1000 epochs, batch 4, 1 unit, direct strategy), `--repeats`
repeats, 3 origins a year apart, each forecasting its last 18 months at horizon 18, scored by MASE; no baselines
and no intervals, so that what grows is the trials' forecasts alone. `--configurations N` sweeps N configurations
(1 to N units) and `--epochs` another number of epochs: the driver's share of a run of the issue's goal's size (11
configurations) is measured without its hours of training ("training s by units" says how many). The driver's
peak is its own `ru_maxrss`; a worker's
is the highest resident size seen by sampling every `ray::` process of this Ray twice a second; "training s by units" is
the workers' training and walk-forward time per configuration, summed over its trials (trials.parquet's `fit_seconds`),
what a goal's run at 1,000 epochs costs without running it whole. `--before` runs each
size with another checkout's code too (git worktree add ../old-checkout COMMIT), on the same series.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalogue import DRIVER  # noqa: E402  (the driver that prints its own peak RSS)

MONTHS = 72


def catalogue_csv(count: int, path: Path) -> None:
    rng = np.random.default_rng(0)
    months = pd.period_range("2015-01", periods=MONTHS, freq="M").astype(str)
    time_index = np.arange(MONTHS)
    frames = []
    for index in range(count):
        level, trend, season = rng.uniform(100, 1000), rng.uniform(-1, 3), rng.uniform(0.05, 0.3)
        values = (level + trend * time_index) * (1 + season * np.sin(2 * np.pi * time_index / 12)) + rng.normal(0, level * 0.05, MONTHS)
        frames.append(pd.DataFrame({"id": f"s{index:05d}", "month": months, "value": np.maximum(values, 1.0)}))
    pd.concat(frames).to_csv(path, index=False)


def sweep_config(name: str, source: Path, repeats: int, series_per_trial: int | None = None, configurations: int = 1,
                 epochs: int = 1000) -> dict:  # fmt: skip
    return {
        "series_per_trial": series_per_trial,
        "name": name,
        "data": {"source": str(source), "series_column": "id", "date_column": "month", "value_column": "value", "test_size": 18},
        "evaluation": {"origins": 3, "step": 12, "horizon": 18, "metric": "mase"},
        "engine": "compiled",
        "repeats": repeats,
        "seed": 0,
        "studies": {
            "scale": {"epochs": [epochs], "batch_size": [4], "neurons": list(range(1, configurations + 1)), "strategy": ["direct"]}
        },
    }


class WorkerMemory(threading.Thread):
    """The highest resident size (KiB) of any `ray::` worker process seen while it runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_kib, self.stopped = 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for status in Path("/proc").glob("[0-9]*/status"):
                try:
                    if not (status.parent / "cmdline").read_bytes().startswith(b"ray::"):
                        continue
                    line = next(line for line in status.read_text().splitlines() if line.startswith("VmRSS:"))
                except (OSError, StopIteration):
                    continue
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))


def run(count: int, repeats: int, num_cpus: int, folder: Path, code: Path = ROOT, series_per_trial: int | None = None,
        configurations: int = 1, epochs: int = 1000) -> dict:  # fmt: skip
    source, name = folder / f"series{count}.csv", f"scale{count}-{len(list(folder.glob('*.yaml')))}"
    if not source.exists():
        catalogue_csv(count, source)
    config = folder / f"{name}.yaml"
    config.write_text(yaml.safe_dump(sweep_config(name, source, repeats, series_per_trial, configurations, epochs)))
    command = [sys.executable, "-c", DRIVER, "--config", str(config), "--storage", str(folder / "results"), "--num-cpus", str(num_cpus)]
    workers = WorkerMemory()
    workers.start()
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=code)
    wall = time.perf_counter() - started
    workers.stopped.set()
    if completed.returncode:
        raise SystemExit(completed.stdout[-3000:] + completed.stderr[-3000:])
    peak = int(completed.stdout.rsplit("driver peak RSS KiB: ", 1)[1].split()[0])
    forecasts = pq.ParquetFile(folder / "results" / name / "forecasts.parquet").metadata.num_rows
    trials = pd.read_parquet(folder / "results" / name / "trials.parquet", columns=["neurons", "fit_seconds"])
    training = trials.groupby("neurons")["fit_seconds"].sum()  # the workers' training and evaluation, summed, per configuration
    return {
        "code": "before" if code != ROOT else "this",
        "series": count, "repeats": repeats, "configurations": configurations, "epochs": epochs,
        "series per trial": series_per_trial or "8 (default)",
        "forecasts kept": forecasts, "wall s": wall, "driver peak MiB": peak / 1024,
        "bytes per forecast": peak * 1024 / forecasts, "worker peak MiB": workers.peak_kib / 1024,
        "training s by units": {int(units): round(float(seconds), 1) for units, seconds in training.items()},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout whose code runs each size too, first")
    parser.add_argument("--series-per-trial", type=int, nargs="+", default=[None], help="each size with each (default: the config's)")
    parser.add_argument("--configurations", type=int, default=1, help="configurations of the sweep: 1 to N units")
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()
    codes = [args.before.resolve(), ROOT] if args.before else [ROOT]
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-scale-") as scratch:
        rows = []
        for count in args.series:
            for code, series_per_trial in itertools.product(codes, args.series_per_trial):
                rows.append(
                    run(count, args.repeats, args.num_cpus, Path(scratch), code, series_per_trial, args.configurations, args.epochs)
                )
                print(rows[-1], flush=True)  # each size as it ends: a long run's earlier sizes survive an interruption
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda value: f"{value:.1f}"))


if __name__ == "__main__":
    main()
