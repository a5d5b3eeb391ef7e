"""Run a sweep described by a YAML config on a local Ray, then write and print its statistics.

    $ python -m sweep.run --config grid.yaml [--storage DIR] [--name NAME] [--num-cpus N | --address auto] [--resume] [--smoke]

A bare file name that is not a path is looked up in `conf/`. Results go to `<storage>/<name>/`.
Without `--address` (or RAY_ADDRESS, which a Ray job sets) a local Ray is started.
"""

from __future__ import annotations

import argparse
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
from sweep.datasets import load_configured
from sweep.lifecycle import check_same_data, claim, results_folder, save_start, starts_afresh
from sweep.plan import SweepPlan, build_plan
from sweep.storage import ResultsFolder, redact
from trainables.data import persistence_description, persistence_rmse


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


def write_results(
    folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, trials, summary, history, tables, persistence: float, unit: str,
    wall_seconds: float,
) -> None:  # fmt: skip
    import ray

    from sweep import html_report
    from sweep.report import box_plots, diagnostic_curves, median_curves, point_file_name

    folder.write_parquet("trials.parquet", trials)
    folder.write_csv("summary.csv", summary)
    study_pngs: dict[str, dict[str, bytes]] = {study: {} for study in plan.studies}  # each written as it is drawn
    for study in plan.studies:
        for page, figure in enumerate(box_plots(trials, study, persistence, unit), 1):
            name = f"{study}_boxplot.png" if page == 1 else f"{study}_boxplot-{page}.png"
            study_pngs[study][name] = folder.write_figure(name, figure)
    point_pngs: dict[str, bytes] = {}
    if config.diagnostics.every:
        folder.write_parquet("history.parquet", history)
        for study in plan.studies:
            name = f"{study}_diagnostics.png"
            study_pngs[study][name] = folder.write_figure(name, median_curves(history, study, persistence, unit))
        for point in plan.points:
            name = f"diagnostics/{point_file_name(point)}"
            png = folder.write_figure(name, diagnostic_curves(history, point, persistence, unit))
            if len(point_pngs) < html_report.POINT_FIGURES_SHOWN:
                point_pngs[name] = png
    facts = html_report.environment(len([node for node in ray.nodes() if node["Alive"]]), wall_seconds)
    page = html_report.render(config, tables, study_pngs, point_pngs, len(plan.points), persistence, facts, unit)
    folder.write_bytes("report.html", page.encode())


def print_tables(tables: dict, trials, axis_names: list[str], persistence: float, difference_lag: int, unit: str) -> None:
    for study, table in tables.items():
        print(f"\n== study {study}: test RMSE ({unit}) ==")
        print(table.to_string(float_format=lambda value: f"{value:.2f}") if not table.empty else "(no completed trials)")
    stopped = trials.drop_duplicates([*axis_names, "repeat"])["status"].eq("stopped").sum()
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    print(f"\npersistence baseline ({persistence_description(difference_lag)}): test RMSE {persistence:.3f}")


def resume_command(args: argparse.Namespace, config: SweepConfig) -> str:
    """The command that continues this sweep; credentials in a storage URI are shown as ***."""
    name, smoke = (config.name.removesuffix(SMOKE_SUFFIX), " --smoke") if args.smoke else (config.name, "")
    return f"python -m sweep.run --config {args.config} --storage {redact(config.storage)} --name {name}{smoke} --resume"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = resolve_config(args)
        loaded = load_configured(config.data)
        series = loaded.values
        plan = build_plan(config, series)
        folder = results_folder(config)
        held = claim(folder)  # noqa: F841 - held until main() returns (or the process ends)
        fresh = starts_afresh(folder, config, args.resume, resume_command(args, config))
        if not fresh:
            check_same_data(folder, series, config.data.source)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from sweep.aggregate import study_statistics, study_table, summarize, trials_frame
    from sweep.cluster import check_resources, start_ray
    from sweep.history import history_frame
    from sweep.tuning import run_tuner, unfinished

    started = time.perf_counter()
    try:
        print(start_ray(config, args.address, args.num_cpus))
        resource_note = check_resources(config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if fresh:
        save_start(folder, config, series)
    print(f"data: {loaded.origin}")
    for note in [*plan.notes, *([resource_note] if resource_note else [])]:
        print(f"note: {note}")
    if args.resume and fresh:
        print(f"note: {folder} held nothing computed yet; the sweep starts afresh")
    results = run_tuner(config, plan, series, folder, resume=not fresh)
    if unfinished(results, config):
        print(f"\ninterrupted: {unfinished(results, config)} trials unfinished, nothing computed is lost; resume with:\n"
              f"  {resume_command(args, config)}", file=sys.stderr)  # fmt: skip
        return 130
    trials = trials_frame(results, plan, config)
    persistence = persistence_rmse(series, config.data.test_size, config.data.difference_lag)
    history = history_frame(results, plan) if config.diagnostics.every else None
    statistics = {study: study_statistics(trials, study) for study in plan.studies}
    tables = {study: study_table(trials, study, statistics[study]) for study in plan.studies}
    summary = summarize(trials, statistics)
    write_results(folder, config, plan, trials, summary, history, tables, persistence, loaded.unit, time.perf_counter() - started)
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
