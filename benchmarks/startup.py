"""Where the seconds of a small sweep go, cold and warm, and how its cost grows with its size.

    $ python benchmarks/startup.py [--num-cpus 2] [--scales 1 10 100] [--repeats 10 30 90] [--skip-scaling]
                                   [--before CHECKOUT] [--wide]

Profile: `python -m sweep.run --config seed.yaml` twice in subprocesses, on an empty XLA cache
(cold) and again on the cache the first run filled (warm, another `--name`), each printed line
timed as it arrives; then, in fresh processes, what the driver's imports, Ray's start and
TensorFlow's import cost alone, and in one process, each seed-study shape's trace and XLA compile
(or cache load) apart. The warm run's trials must equal the cold run's to the last digit. `--before` also times the
same two runs from another checkout of lstm-sweep (an earlier commit), side by side, and compares
its trials with these.

Scaling: the seed grid on N copies of the shampoo series, one series per trial (N x 11 trials of
the seed study's shapes and epochs, N x 330 repeat-fits), and the seed study at several repeat
counts; all on a warm cache (each repeat count is a shape of its own: run once, untimed, first).
Writes benchmarks/startup.png. `--wide` also runs a 150-point grid (epochs 500-5000 by 500 x batch
1, 2, 4 x units 1-5, 30 repeats: 4,500 repeat-fits) on an empty cache, from this checkout and from
`--before`'s.
"""

from __future__ import annotations

import argparse
import json
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

from sweep.data.series import load_series  # noqa: E402
from sweep.execution.compile_cache import CACHE_VARIABLE  # noqa: E402

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


def timed_run(arguments: list[str], environment: dict[str, str], checkout: Path = ROOT) -> tuple[dict[str, float], float]:
    """Seconds from start to each milestone's line, and to the process's end."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sweep.run", *arguments], cwd=checkout, env=environment | {"PYTHONPATH": str(checkout)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
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
try:
    from sweep.execution.compile_cache import with_cache_flag
except ImportError:  # a checkout before the subpackages (--before)
    from sweep.compile_cache import with_cache_flag
os.environ["TF_XLA_FLAGS"] = with_cache_flag("")  # read by TensorFlow at import
import tensorflow as tf
try:
    from sweep.data.series import load_series
except ImportError:
    from sweep.datasets import load_series
from trainables.data import prepare
from trainables.engines import compiled
from trainables.engines.stable_names import stable_names
from trainables.model import initial_state
from trainables.spec import ModelSpec

rows = []
for batch_size, neurons in json.loads(sys.argv[1]):
    spec, key = ModelSpec(neurons=neurons), ("profile", batch_size, neurons)
    data = prepare(load_series("shampoo").values, 12, batch_size=batch_size)
    initial = [initial_state(spec, seed) for seed in range(30)]
    runs = compiled.CompiledRuns(data, batch_size, spec, initial)  # compiles every function; timed apart below
    with stable_names(key):
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


def profile(num_cpus: int, work: Path, before: Path | None) -> tuple[str, pd.DataFrame]:
    environment = os.environ | {CACHE_VARIABLE: str(work / "xla-cache"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    checkouts = {"": ROOT} | ({"before ": before} if before else {})
    kinds = [f"{label}{kind}" for label in checkouts for kind in ("cold", "warm")]
    runs, scores = {}, {}
    for label, checkout in reversed(checkouts.items()):  # the earlier checkout first: it leaves no cache behind
        for kind in ("cold", "warm"):
            name = f"seed-{label.strip() or 'now'}-{kind}"
            arguments = ["--config", "seed.yaml", "--num-cpus", str(num_cpus), "--storage", str(work / "results"), "--name", name]
            runs[label + kind] = timed_run(arguments, environment, checkout)
            compile_seconds, fit_seconds, scores[label + kind] = trial_seconds(work / "results" / name)
            runs[label + kind] += (compile_seconds, fit_seconds)
    measured = ["test_rmse", "train_rmse"]
    differences = {
        kind: float(((scores[kind][measured] - scores["cold"][measured]).abs() / scores["cold"][measured]).max().max())
        for kind in kinds[1:]
    }
    imports = fresh_process_seconds("import sweep.run, sweep.core, ray.tune", environment)
    ray_start = fresh_process_seconds(
        "import ray\nray.init(address='local', num_cpus=2, include_dashboard=False, logging_level='ERROR')", environment
    )
    tensorflow = fresh_process_seconds("import tensorflow, keras", environment)

    def row(label: str, cells: list[float]) -> str:
        return f"| {label} | " + " | ".join(f"{cell:.1f}" for cell in cells) + " |"

    lines = ["| phase (seconds from the previous line) | " + " | ".join(kinds) + " |", "|---" * (len(kinds) + 1) + "|"]
    for position, (name, _) in enumerate(MILESTONES):
        previous = MILESTONES[position - 1][0] if position else None
        lines.append(row(name, [runs[kind][0][name] - (runs[kind][0][previous] if previous else 0) for kind in kinds]))
    lines += [
        row("**start to tables**", [runs[kind][0][MILESTONES[-1][0]] for kind in kinds]),
        row("process exit (Ray shut down)", [runs[kind][1] for kind in kinds]),
        row("trace + compile (or load), summed over workers", [runs[kind][2] for kind in kinds]),
        row("training + evaluation, summed over workers", [runs[kind][3] for kind in kinds]),
        "",
        f"Alone, in a fresh process: the driver's imports {imports:.1f} s, a local Ray's start (2 CPUs, no dashboard) "
        f"{ray_start:.1f} s, `import tensorflow, keras` {tensorflow:.1f} s. Largest relative difference of any trial's test and "
        "train RMSE from the cold run's: " + ", ".join(f"{kind} {difference:.1e}" for kind, difference in differences.items()) + ".",
    ]  # fmt: skip
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
    for repeats in repeat_counts:  # a repeats count is a shape of its own: compiled (and cached) once, untimed
        timed_run([*base, "--name", f"repeats{repeats}-cache", f"repeats={repeats}"], environment)
        reached, _ = timed_run([*base, "--name", f"repeats{repeats}", f"repeats={repeats}"], environment)
        rows.append(("repeats per point", 11, 11 * repeats, reached[MILESTONES[-1][0]]))
    return pd.DataFrame(rows, columns=["grows by", "trials", "repeat-fits", "start to tables s"])


WIDE_GRID = (
    "studies.wide={epochs: [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000], batch_size: [1, 2, 4], neurons: [1, 2, 3, 4, 5]}"
)


def wide_grid(num_cpus: int, work: Path, before: Path | None) -> list[str]:
    """Start-to-tables wall of the 150-point grid, each checkout on its own empty cache."""
    lines = []
    for label, checkout in [*([("before", before)] if before else []), ("now", ROOT)]:
        environment = os.environ | {CACHE_VARIABLE: str(work / f"wide-cache-{label}"), "TF_CPP_MIN_LOG_LEVEL": "3"}
        arguments = ["--config", "seed.yaml", "--num-cpus", str(num_cpus), "--storage", str(work / "results"), "--name", f"wide-{label}"]
        reached, _ = timed_run([*arguments, "studies={}", WIDE_GRID], environment, checkout)
        compile_seconds, fit_seconds, _ = trial_seconds(work / "results" / f"wide-{label}")
        lines.append(f"| {label} | {reached[MILESTONES[-1][0]]:.1f} | {compile_seconds:.1f} | {fit_seconds:.1f} |")
    return [
        "| 150-point grid, 4,500 repeat-fits | start to tables s | trace + compile, summed s | training, summed s |",
        "|---|---|---|---|",
        *lines,
    ]


def plot(frame: pd.DataFrame, path: Path) -> None:
    """Wall against repeat-fits, one panel per way of growing, each with its least-squares line (fixed + per fit)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(frame.groupby("grows by", sort=False))
    fig, axes = plt.subplots(1, len(groups), figsize=(5 * len(groups), 4.2))
    for ax, (label, group) in zip(np.atleast_1d(axes), groups):
        fits, seconds = group["repeat-fits"].to_numpy(), group["start to tables s"].to_numpy()
        per_fit, fixed = np.polyfit(fits, seconds, 1)
        ax.plot(fits, seconds, marker="o", linestyle="none", label="measured")
        line = np.linspace(0, fits.max(), 50)
        ax.plot(line, fixed + per_fit * line, linestyle=":", color="grey", label=f"{fixed:.1f} s + {per_fit * 1e3:.2f} ms per repeat-fit")
        for x, y, trials in zip(fits, seconds, group["trials"]):
            ax.annotate(f"{y:.0f} s ({trials} trials)", (x, y), textcoords="offset points", xytext=(5, -12), fontsize=8)
        ax.set_xlim(0, fits.max() * 1.25)
        ax.set_ylim(0, seconds.max() * 1.15)
        ax.set_xlabel("repeat-fits (the seed study: 330)")
        ax.set_ylabel("wall, start to tables (s)")
        ax.set_title(f"conf/seed.yaml with more {label}", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
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
    parser.add_argument("--wide", action="store_true", help="also time the 150-point grid")
    parser.add_argument(
        "--before", type=Path, help="another checkout of lstm-sweep to time side by side (e.g. a worktree of an earlier commit)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-startup-") as folder:
        work = Path(folder)
        table, shapes = profile(args.num_cpus, work, args.before)
        print(table)
        print("\nPer shape, one process (30 repeats), training function alone and all four functions:\n")
        print(markdown(shapes))
        if args.wide:
            print("\n" + "\n".join(wide_grid(args.num_cpus, work, args.before)))
        if not args.skip_scaling:
            frame = scaling(args.num_cpus, args.scales, args.repeats, work)
            print("\n" + markdown(frame))
            plot(frame, Path(__file__).with_name("startup.png"))


if __name__ == "__main__":
    main()
