"""Where the seconds of a small sweep go, cold and warm, and how its cost grows with its size.

    $ python benchmarks/startup.py [--num-cpus 2] [--scales 1 10 100] [--repeats 10 30 90] [--skip-scaling]

Profile: `python -m sweep.run --config seed.yaml` twice in subprocesses, on an empty XLA cache
(cold) and again on the cache the first run filled (warm, another `--name`), each printed line
timed as it arrives; then, in fresh processes, what the driver's imports, Ray's start and
TensorFlow's import cost alone, and in one process, each seed-study shape's trace and XLA compile
(or cache load) apart. Both runs' trials must agree to the last digit.

Scaling: the seed grid on N copies of the shampoo series, one series per trial (N x 11 trials of
the seed study's shapes and epochs, N x 330 repeat-fits), and the seed study at several repeat
counts; all on the warm cache. Writes benchmarks/startup.png.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sweep.compile_cache import CACHE_VARIABLE  # noqa: E402
from sweep.datasets import load_series  # noqa: E402

# Printed lines that end each phase of a run (the first line matching each, in order).
MILESTONES = [
    ("driver imports + Ray start", re.compile(r"^ray: ")),
    ("Tune set-up", re.compile(r"^Trial status: .*PENDING")),
    ("trials (worker start, TF import, trace, compile, train)", re.compile(r"^Trial status: \d+ TERMINATED")),
    ("aggregate, write, figures, tables", re.compile(r"^results in ")),
]
KEYS = ["series", "study", "epochs", "batch_size", "neurons", "repeat", "origin"]
SEED_SHAPES = [(4, 1), (1, 1), (2, 1), (4, 2), (4, 3), (4, 4), (4, 5)]
TIME_IN_FRESH_PROCESS = """
import time
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""


def timed_run(arguments: list[str], environment: dict[str, str]) -> tuple[dict[str, float], float]:
    """Seconds from start to each milestone's line, and to the process's end."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sweep.run", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reached: dict[str, float] = {}
    lines = []
    for line in process.stdout:
        lines.append(line)
        for name, pattern in MILESTONES:
            if name not in reached and pattern.match(line):
                reached[name] = time.perf_counter() - started
    if process.wait() != 0:
        raise SystemExit("".join(lines[-40:]))
    return reached, time.perf_counter() - started


def fresh_process_seconds(statement: str, environment: dict[str, str]) -> float:
    done = subprocess.run(
        [sys.executable, "-c", TIME_IN_FRESH_PROCESS.format(statement=statement)],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


SHAPE_SECONDS = """
import json, os, sys, time
from sweep.compile_cache import with_cache_flag
os.environ["TF_XLA_FLAGS"] = with_cache_flag("")  # read by TensorFlow at import
import tensorflow as tf
from sweep.datasets import load_series
from trainables.data import prepare
from trainables.engines import compiled
from trainables.model import initial_state
from trainables.spec import ModelSpec

rows = []
for batch_size, neurons in json.loads(sys.argv[1]):
    spec, key = ModelSpec(neurons=neurons), ("profile", batch_size, neurons)
    data = prepare(load_series("shampoo").values, 12, batch_size=batch_size)
    initial = [initial_state(spec, seed) for seed in range(30)]
    runs = compiled.CompiledRuns(data, batch_size, spec, initial)  # compiles every function; timed apart below
    with compiled.stable_names(key):
        model = compiled.CompiledLSTM(spec, batch_size, 30)
        arguments = (tf.constant(1), runs.train_x, runs.train_y, runs.first_train_batch)
        started = time.perf_counter()
        model.train.get_concrete_function(*arguments)
        traced = time.perf_counter()
        model.train(*arguments)
        rows.append([batch_size, neurons, traced - started, time.perf_counter() - traced, runs.compile_seconds])
print(json.dumps(rows))
"""


def shape_seconds(environment: dict[str, str]) -> pd.DataFrame:
    """Per seed-study shape: trace and compile (or load) of the training function alone, and all four functions."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", SHAPE_SECONDS, json.dumps(SEED_SHAPES)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    columns = ["batch_size", "neurons", "train: trace s", "train: compile or load s", "all four functions s"]
    return pd.DataFrame(json.loads(done.stdout.strip().splitlines()[-1]), columns=columns)


def trial_seconds(folder: Path) -> tuple[float, float, pd.DataFrame]:
    """Summed compile and training seconds of a run's trials (a point shared by studies counted once), and its scores."""
    trials = pd.read_parquet(folder / "trials.parquet")
    unique = trials.drop_duplicates(["series", "trial_id", "repeat", "origin"])
    return unique["compile_seconds"].sum(), unique["fit_seconds"].sum(), trials.sort_values(KEYS).reset_index(drop=True)


def profile(num_cpus: int, work: Path) -> tuple[str, pd.DataFrame]:
    cache = work / "xla-cache"
    environment = os.environ | {CACHE_VARIABLE: str(cache), "TF_CPP_MIN_LOG_LEVEL": "3"}
    runs, scores = {}, {}
    for kind in ("cold", "warm"):
        arguments = ["--config", "seed.yaml", "--num-cpus", str(num_cpus), "--storage", str(work / "results"), "--name", f"seed-{kind}"]
        runs[kind] = timed_run(arguments, environment)
        compile_seconds, fit_seconds, scores[kind] = trial_seconds(work / "results" / f"seed-{kind}")
        runs[kind] += (compile_seconds, fit_seconds)
    same = scores["cold"][["test_rmse", "train_rmse"]].equals(scores["warm"][["test_rmse", "train_rmse"]])
    imports = fresh_process_seconds("import sweep.run, sweep.backtests, sweep.cluster, sweep.outputs, sweep.tuning, ray.tune", environment)
    ray_start = fresh_process_seconds(
        "import ray\nray.init(address='local', num_cpus=2, include_dashboard=False, logging_level='ERROR')", environment
    )
    tensorflow = fresh_process_seconds("import tensorflow, keras", environment)
    lines = [
        "| phase (seconds from the previous line) | cold | warm |", "|---|---|---|",
    ]  # fmt: skip
    for position, (name, _) in enumerate(MILESTONES):
        previous = MILESTONES[position - 1][0] if position else None
        cells = [runs[kind][0][name] - (runs[kind][0][previous] if previous else 0) for kind in ("cold", "warm")]
        lines.append(f"| {name} | {cells[0]:.1f} | {cells[1]:.1f} |")
    lines += [
        f"| **start to tables** | **{runs['cold'][0][MILESTONES[-1][0]]:.1f}** | **{runs['warm'][0][MILESTONES[-1][0]]:.1f}** |",
        f"| process exit (Ray shut down) | {runs['cold'][1]:.1f} | {runs['warm'][1]:.1f} |",
        f"| trace + compile (or load), summed over workers | {runs['cold'][2]:.1f} | {runs['warm'][2]:.1f} |",
        f"| training + evaluation, summed over workers | {runs['cold'][3]:.1f} | {runs['warm'][3]:.1f} |",
        "",
        f"Alone, in a fresh process: the driver's imports {imports:.1f} s, a local Ray's start (2 CPUs, no dashboard) "
        f"{ray_start:.1f} s, `import tensorflow, keras` {tensorflow:.1f} s. Cold and warm trials identical to the last digit: {same}.",
    ]
    shape_cache = environment | {CACHE_VARIABLE: str(work / "shape-cache")}
    shapes = pd.concat([shape_seconds(shape_cache).assign(cache=kind) for kind in ("empty", "filled")])  # the first fills it
    return "\n".join(lines), shapes


def catalogue_source(copies: int, folder: Path) -> Path:
    """`copies` copies of the shampoo series under their own ids, as one long-format CSV."""
    values = load_series("shampoo").values
    months = pd.period_range("1901-01", periods=len(values), freq="M").astype(str)
    frame = pd.concat([pd.DataFrame({"id": f"copy{index:03d}", "month": months, "value": values}) for index in range(copies)])
    path = folder / f"copies{copies}.csv"
    frame.to_csv(path, index=False)
    return path


def scaling(num_cpus: int, scales: list[int], repeat_counts: list[int], work: Path) -> pd.DataFrame:
    environment = os.environ | {CACHE_VARIABLE: str(work / "xla-cache"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    base = ["--config", "seed.yaml", "--num-cpus", str(num_cpus), "--storage", str(work / "results")]
    rows = []
    for copies in scales:
        source = catalogue_source(copies, work)
        overrides = [f"data.source={source}", "data.series_column=id", "data.date_column=month", "data.value_column=value"]
        reached, _ = timed_run([*base, "--name", f"points{copies}", *overrides, "series_per_trial=1"], environment)
        rows.append(("points", copies * 11, copies * 330, reached[MILESTONES[-1][0]]))
    for repeats in repeat_counts:
        reached, _ = timed_run([*base, "--name", f"repeats{repeats}", f"repeats={repeats}"], environment)
        rows.append(("repeats per point", 11, 11 * repeats, reached[MILESTONES[-1][0]]))
    return pd.DataFrame(rows, columns=["grows by", "trials", "repeat-fits", "start to tables s"])


def plot(frame: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (label, group), marker in zip(frame.groupby("grows by"), "os"):
        ax.plot(group["repeat-fits"], group["start to tables s"], marker=marker, label=f"more {label}")
        slope = np.polyfit(group["repeat-fits"], group["start to tables s"], 1)
        for fits, seconds in zip(group["repeat-fits"], group["start to tables s"]):
            ax.annotate(f"{seconds:.0f} s", (fits, seconds), textcoords="offset points", xytext=(4, -12), fontsize=8)
        ax.plot(group["repeat-fits"], np.polyval(slope, group["repeat-fits"]), linestyle=":", color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("repeat-fits (seed study = 330)")
    ax.set_ylabel("wall, start to tables (s)")
    ax.set_title("conf/seed.yaml grown by points (copies of the series) and by repeats; dotted: linear fit")
    ax.title.set_fontsize(9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def markdown(frame: pd.DataFrame) -> str:
    cells = [[f"{value:.2f}" if isinstance(value, float) else str(value) for value in row] for row in frame.itertuples(index=False)]
    rows = [list(frame.columns), ["---"] * len(frame.columns), *cells]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100], help="copies of the seed study's points")
    parser.add_argument("--repeats", type=int, nargs="+", default=[10, 30, 90], help="repeats per point")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-startup-") as folder:
        work = Path(folder)
        table, shapes = profile(args.num_cpus, work)
        print(table)
        print("\nPer shape, one process (30 repeats), training function alone and all four functions:\n")
        print(markdown(shapes))
        if not args.skip_scaling:
            frame = scaling(args.num_cpus, args.scales, args.repeats, work)
            print("\n" + markdown(frame))
            plot(frame, Path(__file__).with_name("startup.png"))


if __name__ == "__main__":
    main()
