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

from sweep.cli.arguments import add_config_arguments, add_resume_argument, config_of
from sweep.config.model import SweepConfig
from sweep.config.redaction import redact
from sweep.config.smoke import SMOKE_REPEATS, SMOKE_SUFFIX
from sweep.config.validation import ConfigError
from sweep.core import execute
from sweep.data.catalogue import load_catalogue
from sweep.reports.console import EXIT_STORAGE_FAILED, print_finished
from sweep.storage.folder import StorageFailed

EXAMPLES = """examples:
  lstm-sweep configs                                     the shipped configs, one line each
  lstm-sweep run --config grid.yaml                      the default sweep: the study's grids, cut down
  lstm-sweep run --config monthly.yaml data.source=sales.csv data.series_column=product --name sales --smoke
                                                         your long CSV through the monthly config, in seconds
  lstm-sweep run --config monthly.yaml data.source=sales.csv data.series_column=product --name sales
  lstm-sweep forecast --name sales                       the winner's forecast, from the sweep's saved config
  lstm-sweep run --config grid.yaml --name grid --resume   continue an interrupted sweep
  lstm-sweep run --config grid.yaml --resume auto        start, or continue if started: one command for a retried job

exit status: 0 done, 1 finished with failed repeats (results written), 2 bad input (nothing ran),
3 the storage failed mid-sweep (a full disk, a store that stopped answering: --resume continues once it works),
130 interrupted (nothing computed is lost: --resume continues)"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="lstm-sweep run", description=__doc__.split("\n\n")[0], epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_config_arguments(
        parser, storage_help="override `storage`: the folder (or pyarrow URI, e.g. s3://...) for all outputs",
        name_help="override `name`: results go to <storage>/<name>",
    )  # fmt: skip
    parser.add_argument("--address", help="join a running Ray cluster (auto, or HOST:PORT) instead of starting one")
    parser.add_argument("--num-cpus", type=int, help="CPUs for the local Ray (default: all)")
    add_resume_argument(parser)
    parser.add_argument("--worker-logs", action="store_true", help="show the workers' output (TensorFlow's start-up lines) on the console")
    parser.add_argument("--dashboard", action="store_true", help="start the local Ray's dashboard (off by default: ~2 s of start-up)")
    parser.add_argument(
        "--smoke", action="store_true",
        help=f"check the config end to end in seconds: epochs cut to their rank (1, 2, ...), {SMOKE_REPEATS} repeats, "
        f"results under <name>{SMOKE_SUFFIX}",
    )  # fmt: skip
    return parser.parse_args(argv)


def resume_command(args: argparse.Namespace, config: SweepConfig) -> str:
    """The command that continues this sweep; credentials in a storage URI are shown as ***."""
    name, smoke = (config.name.removesuffix(SMOKE_SUFFIX), " --smoke") if args.smoke else (config.name, "")
    overrides = "".join(f" {shlex.quote(override)}" for override in args.overrides)
    return f"python -m sweep.run --config {args.config}{overrides} --storage {redact(config.storage)} --name {name}{smoke} --resume"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = config_of(args, smoke=args.smoke)
        catalogue = load_catalogue(config.data)
        hint = resume_command(args, config)
        finished = execute(config, catalogue, args.address, args.num_cpus, args.resume, args.worker_logs, hint, args.dashboard)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except StorageFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_STORAGE_FAILED
    return print_finished(finished, config, catalogue.unit, hint)


if __name__ == "__main__":
    sys.exit(main())
