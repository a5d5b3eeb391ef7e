"""Run a sweep described by a YAML config on a local Ray, then write and print its statistics.

    $ python -m sweep.run --config grid.yaml [--storage DIR] [--name NAME] [--num-cpus N]

A bare file name that is not a path is looked up in `conf/`. Results go to `<storage>/<name>/`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml

from sweep.config import ConfigError, SweepConfig, load_config, parse_config
from sweep.datasets import load_series
from sweep.plan import SweepPlan, build_plan
from trainables.data import persistence_rmse
from trainables.trainable import POINT_AXES

QUIET_WORKERS = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML sweep config: a path, or a file name in conf/")
    parser.add_argument("--storage", help="override `storage`: the folder for all outputs")
    parser.add_argument("--name", help="override `name`: results go to <storage>/<name>")
    parser.add_argument("--num-cpus", type=int, help="CPUs for the local Ray (default: all)")
    return parser.parse_args(argv)


def resolve_config(args: argparse.Namespace) -> SweepConfig:
    config = load_config(args.config)
    overrides = {key: value for key, value in (("storage", args.storage), ("name", args.name)) if value is not None}
    if not overrides:
        return config
    return parse_config(config.model_dump() | overrides, source="command line")


def sweep_folder(config: SweepConfig) -> Path:
    """`<storage>/<name>`, refused before anything runs if it exists or cannot be written."""
    folder = Path(config.storage) / config.name
    if folder.exists():
        raise ConfigError(f"results folder {str(folder)!r} already exists; choose another --name or remove it")
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"`storage` ({config.storage!r}) is not writable: cannot create {str(folder)!r}")
    return folder


def start_local_ray(num_cpus: int | None) -> None:
    """A Ray for this process; one already started (by a test, a notebook) is used as it is."""
    import ray

    if ray.is_initialized():
        return
    ray.init(
        num_cpus=num_cpus,
        dashboard_host="127.0.0.1",
        runtime_env={"env_vars": QUIET_WORKERS},
        configure_logging=True,
        logging_level="WARNING",
    )


def write_results(folder: Path, config: SweepConfig, plan: SweepPlan, trials, history, persistence: float) -> None:
    from sweep.aggregate import summarize
    from sweep.report import box_plot, diagnostic_curves, median_curves, point_file_name
    from sweep.storage import atomic_path, write_csv, write_parquet

    write_parquet(trials, folder / "trials.parquet")
    write_csv(summarize(trials), folder / "summary.csv")
    for study in plan.studies:
        box_plot(trials, study, persistence, folder / f"{study}_boxplot.png")
    if config.diagnostics.every:
        write_parquet(history, folder / "history.parquet")
        for point in plan.points:
            diagnostic_curves(history, point, persistence, folder / "diagnostics" / point_file_name(point))
        for study in plan.studies:
            median_curves(history, study, persistence, folder / f"{study}_diagnostics.png")
    with atomic_path(folder / "config.yaml") as temporary:
        temporary.write_text(yaml.safe_dump(config.model_dump(), sort_keys=False))


def print_tables(plan: SweepPlan, trials, persistence: float) -> None:
    from sweep.aggregate import study_table

    for study in plan.studies:
        print(f"\n== study {study}: test RMSE ==")
        print(study_table(trials, study).to_string(float_format=lambda value: f"{value:.2f}"))
    stopped = trials.drop_duplicates([*POINT_AXES, "repeat"])["status"].eq("stopped").sum()
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    print(f"\npersistence baseline (next month = this month): test RMSE {persistence:.3f}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = resolve_config(args)
        series = load_series(config.data.source)
        plan = build_plan(config, series)
        folder = sweep_folder(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from sweep.aggregate import failed_trials, trials_frame
    from sweep.history import history_frame
    from sweep.tuning import run_tuner

    started = time.perf_counter()
    start_local_ray(args.num_cpus)
    results = run_tuner(config, plan, series, folder)
    trials = trials_frame(results, plan)
    persistence = persistence_rmse(series, config.data.test_size)
    write_results(folder, config, plan, trials, history_frame(results, plan), persistence)
    print_tables(plan, trials, persistence)
    print(f"results in {folder.resolve()} ({time.perf_counter() - started:.1f} s)")
    failures = failed_trials(results)
    for failure in failures:
        print(f"failed trial: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
