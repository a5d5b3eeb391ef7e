"""A long sweep of many compiled shapes, watching each trial worker's memory and threads against trials finished.

    $ python benchmarks/soak.py [--shapes 100] [--trials-per-shape 10] [--epochs 5] [--shapes-per-worker 16]

1,000 trials by default on a local Ray of 2 CPUs: the grid crosses units x batch x layers x lags, so every point is its
own compiled shape, and each point's repeats are split over trials of 2. A sampler reads, twice a second, the resident
memory and thread count of the driver and of every Tune worker (`ray::ImplicitFunc`) and how many of those threads are
TensorFlow's own pools (named `tf_*`); each sample is then placed against the trials finished by its time (from each
trial's final report). A bare Ray actor (no TensorFlow) on the same Ray gives the thread count Ray itself costs. Writes
benchmarks/soak.png and prints a table.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import io
import itertools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import matplotlib
import psutil
import ray
import yaml

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sweep.cli.run import main  # noqa: E402
from trainables.contract import FinalReport  # noqa: E402

UNITS, BATCHES, LAYERS, LAGS = list(range(1, 10)), [1, 2, 4], [1, 2], [1, 2]  # 108 shapes at most


def soak_config(shapes: int, trials_per_shape: int, epochs: int, reuse_workers: bool = True, shapes_per_worker: int | None = 16) -> dict:
    points = list(itertools.product(UNITS, BATCHES, LAYERS, LAGS))[:shapes]
    studies = {
        f"s{index}": {"epochs": [epochs], "neurons": [units], "batch_size": [batch], "layers": [layers], "lags": [lags]}
        for index, (units, batch, layers, lags) in enumerate(points)
    }
    return {
        "name": "soak", "repeats": 2 * trials_per_shape, "repeats_per_trial": 2, "seed": 0, "studies": studies,
        "resources": {"reuse_workers": reuse_workers, "shapes_per_worker": shapes_per_worker},
    }  # fmt: skip


def tensorflow_threads(process: psutil.Process) -> int:
    """Threads of TensorFlow's own pools: named `tf_...` (intra-op, inter-op, its runtime's)."""
    count = 0
    for task in Path(f"/proc/{process.pid}/task").glob("*/comm"):
        with contextlib.suppress(OSError):
            count += task.read_text().startswith("tf_")
    return count


def completion_times(experiment: Path) -> list[float]:
    """When each trial made its final report (Tune's `timestamp`, whole seconds), in order."""
    stamps = []
    for result in experiment.glob("*/result.json"):
        for line in result.read_text().splitlines():
            report = json.loads(line)
            if FinalReport.from_metrics(report) is not None:
                stamps.append(report["timestamp"])
    return sorted(stamps)


class Watch:
    """Per process: (wall time, RSS MiB, threads, TensorFlow's threads), sampled until stopped."""

    def __init__(self, interval: float = 0.5):
        self.interval, self.stopped = interval, threading.Event()
        self.samples: dict[int, list[tuple[float, float, int, int]]] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def against_trials(self, stamps: list[float]) -> dict[int, list[tuple[int, float, int, int]]]:
        """Each sample's time replaced by the number of trials finished by then."""
        return {pid: [(bisect.bisect_right(stamps, at), *rest) for at, *rest in samples] for pid, samples in self.samples.items()}

    def _run(self) -> None:
        while not self.stopped.is_set():
            now = time.time()
            for process in [psutil.Process(), *self._workers()]:
                try:
                    sample = (now, process.memory_info().rss / 2**20, process.num_threads(), tensorflow_threads(process))
                except psutil.Error:
                    continue
                if sample[1] == 0:  # exiting
                    continue
                self.samples.setdefault(process.pid, []).append(sample)
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


@ray.remote(num_cpus=0)
class Bare:
    """An idle Ray actor: the threads a worker has before TensorFlow."""

    def pid(self) -> int:
        import os

        return os.getpid()


def bare_actor_threads() -> int:
    actor = Bare.remote()
    pid = ray.get(actor.pid.remote())
    time.sleep(2)  # its threads settle
    threads = psutil.Process(pid).num_threads()
    ray.kill(actor)
    return threads


def plot(samples_by_process: dict, driver: int, bare_threads: int, title: str, path: Path) -> None:
    """Memory and threads of each process against trials finished; past four workers, one colour for them all."""
    figure, (memory, threads) = plt.subplots(1, 2, figsize=(12, 4.5))
    workers = [pid for pid in samples_by_process if pid != driver]
    for pid, samples in samples_by_process.items():
        finished, rss, count, tf = zip(*samples)
        many = len(workers) > 4 and pid != driver
        label = "driver" if pid == driver else (f"workers ({len(workers)} processes)" if many else f"worker {pid}")
        first = not many or pid == workers[0]
        style = {"color": "tab:orange", "linewidth": 0.8} if many else {}
        memory.plot(finished, rss, label=label if first else None, **style)
        threads.plot(finished, count, label=f"{label}: all" if first else None, **style)
        if pid != driver:
            threads.plot(finished, tf, linestyle="--", label=f"{label}: TensorFlow's (tf_*)" if first else None, **style)
    threads.axhline(bare_threads, color="grey", linestyle=":", label=f"a bare Ray actor ({bare_threads})")
    memory.set(xlabel="trials finished", ylabel="resident memory (MiB)", title="memory")
    threads.set(xlabel="trials finished", ylabel="threads", title="threads")
    memory.legend(fontsize=8)
    threads.legend(fontsize=7)
    figure.suptitle(title)
    figure.savefig(path, dpi=110, bbox_inches="tight")


def table_rows(samples_by_process: dict, driver: int) -> list[str]:
    """The driver's row, then each worker's (past four workers, one row for them all)."""
    workers = [pid for pid in samples_by_process if pid != driver]
    groups = [("driver", [driver])] + (
        [(f"workers ({len(workers)} processes)", workers)] if len(workers) > 4 else [(f"worker {pid}", [pid]) for pid in workers]
    )
    rows = []
    for name, pids in groups:
        samples = sorted(sample for pid in pids for sample in samples_by_process[pid])
        finished, rss, count, tf = zip(*samples)
        at = [rss[next(i for i, done in enumerate(finished) if done >= share * max(finished))] for share in (0.1, 0.5, 1.0)]
        rows.append(
            f"| {name} | {len(samples)} | {' / '.join(f'{value:.0f}' for value in at)} | {max(rss):.0f} | "
            f"{count[0]} / {count[-1]} ({max(count)}) | {max(tf)} |"
        )
    return rows


def main_soak() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", type=int, default=100)
    parser.add_argument("--trials-per-shape", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--fresh-workers", action="store_true", help="resources.reuse_workers: false (a worker per trial)")
    parser.add_argument("--shapes-per-worker", type=int, default=16, help="resources.shapes_per_worker; 0: no limit")
    parser.add_argument("--figure", type=Path, default=Path(__file__).with_name("soak.png"))
    args = parser.parse_args()
    config = soak_config(args.shapes, args.trials_per_shape, args.epochs, not args.fresh_workers, args.shapes_per_worker or None)
    trials = min(args.shapes, len(UNITS) * len(BATCHES) * len(LAYERS) * len(LAGS)) * args.trials_per_shape
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "soak.yaml"
        path.write_text(yaml.safe_dump(config))
        started = time.perf_counter()
        with Watch() as watch, contextlib.redirect_stdout(io.StringIO()):
            status = main(["--config", str(path), "--storage", folder, "--num-cpus", "2"])
        wall = time.perf_counter() - started
        samples_by_process = watch.against_trials(completion_times(Path(folder) / "soak" / "tune"))
        bare = bare_actor_threads()
    workers = "a fresh worker per trial" if args.fresh_workers else f"2 workers, fresh after {args.shapes_per_worker or 'unlimited'} shapes"
    title = f"soak: {trials} trials over {args.shapes} shapes, {workers}, {args.epochs} epochs, {wall:.0f} s"
    print(f"{title}, exit {status}; a bare Ray actor: {bare} threads")
    print("| process | samples | MiB at 10% / 50% / 100% of trials | peak MiB | threads first / last (max) | tf_* threads max |")
    print("|---|---|---|---|---|---|")
    driver = psutil.Process().pid
    print("\n".join(table_rows(samples_by_process, driver)))
    plot(samples_by_process, driver, bare, title, args.figure)
    print(f"figure: {args.figure}")


if __name__ == "__main__":
    main_soak()
