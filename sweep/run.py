"""Run a sweep described by a YAML config on a local Ray, then write and print its statistics.

    $ python -m sweep.run --config grid.yaml [--storage DIR] [--name NAME] [--num-cpus N | --address auto] [--resume] [--smoke]

A bare file name that is not a path is looked up in `conf/`. Results go to `<storage>/<name>/`.
Without `--address` (or RAY_ADDRESS, which a Ray job sets) a local Ray is started.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

from sweep.config import (
    SMOKE_REPEATS,
    SMOKE_SUFFIX,
    ConfigDeprecationWarning,
    ConfigError,
    SweepConfig,
    load_config,
    parse_config,
    smoke_config,
)  # fmt: skip
from sweep.datasets import load_series
from sweep.lifecycle import save_config, sweep_folder
from sweep.plan import SweepPlan, build_plan
from sweep.storage import ResultsFolder
from trainables.data import persistence_description, persistence_rmse

# Quiet TensorFlow logs; let several trials share one GPU instead of each taking all its memory.
WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML sweep config: a path, or a file name in conf/")
    parser.add_argument("--storage", help="override `storage`: the folder (or pyarrow URI, e.g. s3://...) for all outputs")
    parser.add_argument("--name", help="override `name`: results go to <storage>/<name>")
    parser.add_argument("--address", help="join a running Ray cluster (auto, or HOST:PORT) instead of starting one")
    parser.add_argument("--num-cpus", type=int, help="CPUs for the local Ray (default: all)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted sweep of the same name")
    parser.add_argument(
        "--smoke", action="store_true",
        help=f"check the config end to end in seconds: epochs cut to their rank (1, 2, ...), {SMOKE_REPEATS} repeats, "
        f"results under <name>{SMOKE_SUFFIX}",
    )  # fmt: skip
    return parser.parse_args(argv)


def resolve_config(args: argparse.Namespace) -> SweepConfig:
    """The config file with the command line's overrides; renamed keys are printed as warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigDeprecationWarning)
        config = load_config(args.config)
    for warning in dict.fromkeys(str(item.message) for item in caught if item.category is ConfigDeprecationWarning):
        print(f"warning: {warning}", file=sys.stderr)
    overrides = {key: value for key, value in (("storage", args.storage), ("name", args.name)) if value is not None}
    if overrides:
        config = parse_config(config.model_dump() | overrides, source="command line")
    return smoke_config(config) if args.smoke else config


def start_ray(address: str | None, num_cpus: int | None) -> None:
    """Join the cluster at `address` (or RAY_ADDRESS, as a Ray job sets it), else start a local Ray.

    A Ray already started in this process (by a test, a notebook) is used as it is.
    """
    import ray

    if ray.is_initialized():
        return
    if address or os.environ.get("RAY_ADDRESS"):
        if num_cpus is not None:
            raise ConfigError("--num-cpus sizes a local Ray only; a cluster's nodes bring their own CPUs")
        try:
            ray.init(address=address, runtime_env={"env_vars": WORKER_ENV}, logging_level="WARNING")
        except (ConnectionError, RuntimeError) as error:
            raise ConfigError(f"cannot join the Ray cluster at {address or os.environ['RAY_ADDRESS']!r}: {error}") from None
        return
    ray.init(
        num_cpus=num_cpus,
        dashboard_host="127.0.0.1",
        runtime_env={"env_vars": WORKER_ENV},
        configure_logging=True,
        logging_level="WARNING",
    )


def write_results(
    folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, trials, history, tables, persistence: float, unit: str,
    wall_seconds: float,
) -> None:  # fmt: skip
    import ray

    from sweep import html_report
    from sweep.aggregate import summarize
    from sweep.report import box_plot, diagnostic_curves, median_curves, point_file_name

    folder.write_parquet("trials.parquet", trials)
    folder.write_csv("summary.csv", summarize(trials))
    figures = {}
    for study in plan.studies:
        figures[f"{study}_boxplot.png"] = box_plot(trials, study, persistence, unit)
    if config.diagnostics.every:
        folder.write_parquet("history.parquet", history)
        for study in plan.studies:
            figures[f"{study}_diagnostics.png"] = median_curves(history, study, persistence, unit)
        for point in plan.points:
            figures[f"diagnostics/{point_file_name(point)}"] = diagnostic_curves(history, point, persistence, unit)
    pngs = {name: folder.write_figure(name, figure) for name, figure in figures.items()}
    facts = html_report.environment(len([node for node in ray.nodes() if node["Alive"]]), wall_seconds)
    folder.write_bytes("report.html", html_report.render(config, tables, pngs, persistence, facts, unit).encode())


def print_tables(tables: dict, trials, axis_names: list[str], persistence: float, difference_lag: int, unit: str) -> None:
    for study, table in tables.items():
        print(f"\n== study {study}: test RMSE ({unit}) ==")
        print(table.to_string(float_format=lambda value: f"{value:.2f}") if not table.empty else "(no completed trials)")
    stopped = trials.drop_duplicates([*axis_names, "repeat"])["status"].eq("stopped").sum()
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    print(f"\npersistence baseline ({persistence_description(difference_lag)}): test RMSE {persistence:.3f}")


def resume_command(args: argparse.Namespace, config: SweepConfig) -> str:
    name, smoke = (config.name.removesuffix(SMOKE_SUFFIX), " --smoke") if args.smoke else (config.name, "")
    return f"python -m sweep.run --config {args.config} --storage {config.storage} --name {name}{smoke} --resume"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = resolve_config(args)
        loaded = load_series(config.data.source, config.data.value_column, config.data.date_column)
        series = loaded.values
        plan = build_plan(config, series)
        folder = sweep_folder(config, args.resume, resume_command(args, config))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from sweep.aggregate import study_table, trials_frame
    from sweep.history import history_frame
    from sweep.tuning import check_resources, run_tuner, unfinished

    started = time.perf_counter()
    try:
        start_ray(args.address, args.num_cpus)
        check_resources(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.resume:
        save_config(folder, config)
    print(f"data: {loaded.origin}")
    for note in plan.notes:
        print(f"note: {note}")
    results = run_tuner(config, plan, series, folder, resume=args.resume)
    if unfinished(results, config):
        print(f"\ninterrupted: {unfinished(results, config)} trials unfinished, nothing computed is lost; resume with:\n"
              f"  {resume_command(args, config)}", file=sys.stderr)  # fmt: skip
        return 130
    trials = trials_frame(results, plan, config)
    persistence = persistence_rmse(series, config.data.test_size, config.data.difference_lag)
    history = history_frame(results, plan) if config.diagnostics.every else None
    tables = {study: study_table(trials, study) for study in plan.studies}
    write_results(folder, config, plan, trials, history, tables, persistence, loaded.unit, time.perf_counter() - started)
    print_tables(tables, trials, plan.axis_names, persistence, config.data.difference_lag, loaded.unit)
    print(f"results in {folder} ({time.perf_counter() - started:.1f} s)")
    failed = trials.drop_duplicates([*plan.axis_names, "repeat"])["status"].eq("failed").sum()
    if failed:
        print(
            f"error: {failed} repeats failed after {config.max_failures} retries; see the `error` column of trials.parquet", file=sys.stderr
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
