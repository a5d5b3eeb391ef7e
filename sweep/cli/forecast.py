"""Use the winner: train a finished sweep's best configuration on the whole series and forecast what comes next.

    $ python -m sweep.forecast --name NAME [--storage DIR] [--study STUDY]
    $ python -m sweep.forecast --config grid.yaml [KEY=VALUE ...] [--storage DIR] [--name NAME] [--study STUDY]

The sweep's own config (its saved config.yaml) says how to prepare the data; a config given on the
command line is only checked against it, and refused with the keys that differ.

The configuration is the study's robust choice (`--choice robust`: of the configurations tied with
the lowest mean, the lowest 90th percentile over repeats) or its lowest mean (`--choice best`). Every
one of its repeats, with the sweep's seeds, trains on every observation; each forecasts the next
one (the sweep scored one-step forecasts, so that is the horizon it vouches for). The repeats'
median and 10-90% spread are printed and every repeat's forecast is written to
`<storage>/<name>/forecast.csv`.
"""

from __future__ import annotations

import argparse
import sys

from sweep.cli.arguments import add_config_arguments, config_of
from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import load_catalogue
from sweep.forecasting import forecast_baseline, forecast_winner
from sweep.planning.plan import build_plan
from sweep.planning.season import with_season
from sweep.reports.files import write_forecast
from sweep.storage.folder import ResultsFolder
from sweep.storage.layout import BASELINES_FILE, FORECASTS_FILE, MANIFEST_FILE, TRIALS_FILE
from sweep.storage.sweep_folder import check_same_data, config_differences, results_folder, results_folder_at, saved_config

DEFAULT_STORAGE = SweepConfig.model_fields["storage"].default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.forecast", description=__doc__.split("\n\n")[0])
    add_config_arguments(
        parser, storage_help=f"where the sweep's results are (default: {DEFAULT_STORAGE})", name_help="the sweep's name",
        config_help="the sweep's config, to check against the one it ran with (optional: the sweep's saved config.yaml is used)",
    )  # fmt: skip
    parser.add_argument("--study", help="whose configuration to use (default: the config's first study)")
    parser.add_argument(
        "--choice", choices=["robust", "best"], default="robust",
        help="robust (default): of the configurations tied with the lowest mean, the lowest 90th percentile over repeats; "
        "best: the lowest mean. Across several series both are the lowest mean rank",
    )  # fmt: skip
    parser.add_argument("--method", metavar="BASELINE", help="forecast with one of the sweep's baselines instead (when one won)")
    parser.add_argument("--horizon", type=int, help="steps to forecast (default: the sweep's evaluation.horizon)")
    return parser.parse_args(argv)


def sweep_config(args: argparse.Namespace) -> tuple[SweepConfig, ResultsFolder]:
    """The config the sweep ran with (its saved config.yaml) and its folder. A config given on the command line must
    resolve to the same one: forecasting with other preparation than the sweep chose would train another model."""
    if args.config is None:
        if args.name is None or args.overrides:
            raise ConfigError("give the sweep's --name (and --storage, if not the default), or its --config with the overrides it ran with")
        folder = results_folder_at(args.storage or DEFAULT_STORAGE, args.name)
        return saved_config(folder), folder
    given = config_of(args)
    folder = results_folder(given)
    saved = saved_config(folder)
    differences = config_differences(saved.model_dump(), with_season(given, load_catalogue(given.data))[0].model_dump())
    if differences:
        raise ConfigError(
            f"the config given differs from the one the sweep in {str(folder)!r} ran with: {'; '.join(differences)}; pass the "
            "same overrides, or leave out --config to use the sweep's own"
        )
    return saved, folder


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config, folder = sweep_config(args)
        if not folder.exists(MANIFEST_FILE):
            if folder.exists(TRIALS_FILE):
                raise ConfigError(
                    f"the results in {str(folder)!r} are incomplete ({MANIFEST_FILE} is missing: writing them stopped); "
                    "complete them by running the sweep again with --resume"
                )
            raise ConfigError(f"{str(folder)!r} holds no finished sweep ({TRIALS_FILE} is missing); run the sweep first")
        loaded = load_catalogue(config.data)
        catalogue = loaded.only(build_plan(config, loaded.values).origins)
        check_same_data(folder, catalogue.values, config.data.source_label, action="forecast")
        trials = folder.read_parquet(TRIALS_FILE)
        baselines = folder.read_parquet(BASELINES_FILE) if folder.exists(BASELINES_FILE) else None
        if args.horizon is not None and args.horizon < 1:
            raise ConfigError(f"`--horizon` must be 1 or more; received {args.horizon}")
        if args.method:
            forecast = forecast_baseline(config, catalogue, baselines, args.method)
        else:
            backtest = folder.read_parquet(FORECASTS_FILE) if folder.exists(FORECASTS_FILE) else None
            forecast = forecast_winner(config, catalogue, trials, baselines, args.study, args.choice, args.horizon, backtest)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in forecast.lines:
        print(line)
    write_forecast(folder, forecast, catalogue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
