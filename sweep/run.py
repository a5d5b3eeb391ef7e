"""Run a sweep described by a YAML config on a local Ray, then write and print its statistics.

    $ python -m sweep.run --config grid.yaml [KEY=VALUE ...] [--storage DIR] [--name NAME] [--num-cpus N | --address auto]
                          [--resume] [--smoke]

A bare file name that is not a path is looked up in `conf/`. `KEY=VALUE` overrides any key of the
config, dotted into sections (`repeats=5 data.source=sales.csv`). Results go to `<storage>/<name>/`.
Without `--address` (or RAY_ADDRESS, which a Ray job sets) a local Ray is started.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sweep.catalogue import Catalogue, load_catalogue
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
from sweep.lifecycle import TUNE_FOLDER, check_same_data, claim, results_folder, save_start, starts_afresh
from sweep.overrides import EXAMPLE, with_overrides
from sweep.plan import build_plan
from sweep.storage import ResultsFolder, redact

if TYPE_CHECKING:
    from sweep.outputs import Outcome


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML sweep config: a path, or a file name in conf/")
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help=f"override a config key, dotted into sections ({EXAMPLE})")
    parser.add_argument("--storage", help="override `storage`: the folder (or pyarrow URI, e.g. s3://...) for all outputs")
    parser.add_argument("--name", help="override `name`: results go to <storage>/<name>")
    parser.add_argument("--address", help="join a running Ray cluster (auto, or HOST:PORT) instead of starting one")
    parser.add_argument("--num-cpus", type=int, help="CPUs for the local Ray (default: all)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted sweep of the same name")
    parser.add_argument("--worker-logs", action="store_true", help="show the workers' output (TensorFlow's start-up lines) on the console")
    parser.add_argument("--dashboard", action="store_true", help="start the local Ray's dashboard (off by default: ~2 s of start-up)")
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
    config = with_overrides(config, args.overrides)
    flags = {key: value for key, value in (("storage", args.storage), ("name", args.name)) if value is not None}  # as given, not YAML
    if flags:
        config = parse_config(config.model_dump() | flags, source="command line")
    return smoke_config(config) if args.smoke else config


def resume_command(args: argparse.Namespace, config: SweepConfig) -> str:
    """The command that continues this sweep; credentials in a storage URI are shown as ***."""
    name, smoke = (config.name.removesuffix(SMOKE_SUFFIX), " --smoke") if args.smoke else (config.name, "")
    overrides = "".join(f" {shlex.quote(override)}" for override in args.overrides)
    return f"python -m sweep.run --config {args.config}{overrides} --storage {redact(config.storage)} --name {name}{smoke} --resume"


@dataclass(frozen=True)
class Finished:
    """How a sweep ended: the exit status (0 done, 1 repeats failed, 130 interrupted), what it computed, where."""

    status: int
    folder: ResultsFolder
    outcome: Outcome | None = None  # None when interrupted


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = resolve_config(args)
        return execute(config, load_catalogue(config.data), args.address, args.num_cpus, args.resume, args.worker_logs,
                       resume_command(args, config), args.dashboard).status  # fmt: skip
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def execute(
    config: SweepConfig, loaded: Catalogue, address: str | None = None, num_cpus: int | None = None, resume: bool = False,
    worker_logs: bool = False, resume_hint: str = "the same call with resume=True", dashboard: bool = False,
) -> Finished:  # fmt: skip
    """Run (or resume) a sweep on the series of `loaded`, then write and print its results; bad input raises ConfigError."""
    plan = build_plan(config, loaded.values)
    catalogue = loaded.only(plan.origins)  # skipped series (`data.short_series: skip`) leave
    folder = results_folder(config)
    held = claim(folder)  # noqa: F841 - held until execute() returns (or the process ends)
    fresh = starts_afresh(folder, config, resume, resume_hint)
    if not fresh:
        check_same_data(folder, catalogue.values, config.data.source_label)

    from sweep.backtests import submit_baselines
    from sweep.cluster import check_resources, start_ray
    from sweep.outputs import print_tables, reference_line, summarize_sweep, write_results
    from sweep.tuning import run_tuner, unfinished

    started = time.perf_counter()
    print(start_ray(config, address, num_cpus, worker_logs, dashboard))
    resource_note = check_resources(config)
    if fresh:
        save_start(folder, config, catalogue.values)
    print(f"data: {loaded.origin}")
    for note in [*plan.notes, *([resource_note] if resource_note else [])]:
        print(f"note: {note}")
    if resume and fresh:
        print(f"note: {folder} held nothing computed yet; the sweep starts afresh")
    baseline_tasks = submit_baselines(config, plan, catalogue.values)
    results = run_tuner(config, plan, catalogue.values, folder, resume=not fresh)
    if unfinished(results, config):
        print(f"\ninterrupted: {unfinished(results, config)} trials unfinished, nothing computed is lost; resume with:\n"
              f"  {resume_hint}", file=sys.stderr)  # fmt: skip
        return Finished(130, folder)
    import ray

    baseline_forecasts = list(zip([series for series, _ in baseline_tasks], ray.get([task for _, task in baseline_tasks])))
    outcome = summarize_sweep(config, plan, results, catalogue, baseline_forecasts)
    persistence = reference_line(config, catalogue)
    write_results(folder, config, plan, outcome, catalogue, persistence, time.perf_counter() - started)
    print_tables(config, outcome, plan.axis_names, persistence, catalogue.unit)
    if config.search.confirm and not confirm(config, plan, catalogue, folder, outcome, fresh, resume_hint):
        return Finished(130, folder)
    print(f"results in {folder} ({time.perf_counter() - started:.1f} s); every trial's scores in TensorBoard: "
          f"tensorboard --logdir {folder}/{TUNE_FOLDER}")  # fmt: skip
    failed = outcome.trials.drop_duplicates(["series", *plan.axis_names, "repeat"])["status"].eq("failed").sum()
    if failed:
        print(
            f"error: {failed} repeats failed after {config.max_failures} retries; see the `error` column of trials.parquet", file=sys.stderr
        )
    return Finished(1 if failed else 0, folder, outcome)


def confirm(config: SweepConfig, plan, catalogue, folder, outcome, fresh: bool, resume_hint: str) -> bool:
    """Re-run each study's robust choice on fresh seeds and print both means; False when interrupted."""
    from sweep.confirm import CONFIRM_FOLDER, CONFIRMATION_FILE, confirmation_frame, confirmation_lines, confirmation_space, robust_choices
    from sweep.tuning import run_tuner, unfinished

    choices = robust_choices(outcome.single_statistics)
    space = confirmation_space(config, plan, choices)
    results = run_tuner(config, plan, catalogue.values, folder, resume=not fresh, space=space, experiment_name=CONFIRM_FOLDER)
    if unfinished(results, config):
        print(f"\ninterrupted while confirming; resume with:\n  {resume_hint}", file=sys.stderr)
        return False
    frame = confirmation_frame(results, choices, outcome.trials, config.evaluation.metric)
    folder.write_csv(CONFIRMATION_FILE, frame)
    print("")
    for line in confirmation_lines(frame, plan.axis_names):
        print(line)
    return True


if __name__ == "__main__":
    sys.exit(main())
