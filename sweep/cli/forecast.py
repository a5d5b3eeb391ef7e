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

import numpy as np
import pandas as pd

from sweep.cli.arguments import add_config_arguments, config_of
from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import load_catalogue
from sweep.planning.plan import build_plan
from sweep.planning.requests import trial_request
from sweep.planning.season import with_season
from sweep.results.across_series import lowest_mean_rank_point
from sweep.results.summary import baseline_means, lowest_mean_point, study_statistics, tied_line
from sweep.results.verdicts import ROBUST_QUANTILE
from sweep.search.confirmation import robust_choices
from sweep.storage.folder import ResultsFolder
from sweep.storage.layout import BASELINES_FILE, FORECAST_FILE, TRIALS_FILE
from sweep.storage.sweep_folder import check_same_data, config_differences, results_folder, results_folder_at, saved_config
from trainables import canonical_point, forecast_next, score_column

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
    return parser.parse_args(argv)


def next_label(dates: list[str] | None, length: int) -> str:
    """The next period (yearly, quarterly, monthly series) or date (a regular frequency), else the position."""
    if dates:
        try:
            period = pd.Period(dates[-1])
            if str(period) == dates[-1] and period.freqstr[0] in "YAQM":
                return str(period + 1)
        except ValueError:
            pass
        index = pd.DatetimeIndex(dates)
        frequency = pd.infer_freq(index) if len(index) >= 3 else None
        if frequency:
            return str(index[-1] + pd.tseries.frequencies.to_offset(frequency))
    return f"observation {length + 1}"


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


def chosen_point(
    trials: pd.DataFrame, baselines: pd.DataFrame | None, study: str, metric: str, choice: str, several: bool
) -> tuple[dict, str]:
    """The configuration to forecast with, and the rule that chose it in words; refused when the rule chooses none."""
    if several:
        point = lowest_mean_rank_point(trials, study, metric)
        rule = f"lowest mean rank of test {metric} across series"
    elif choice == "best":
        point, rule = lowest_mean_point(trials, study, metric), f"lowest mean test {metric}"
    else:
        statistics = study_statistics(trials, study, metric, baselines)
        point = robust_choices({study: statistics}).get(study)
        rule = f"robust choice: of those tied with the lowest mean test {metric}, the lowest {ROBUST_QUANTILE}th percentile"
        if point is None and not statistics.empty:
            raise ConfigError(
                f"study {study!r} has no robust choice: {tied_line(statistics)}; `--choice best` forecasts with its lowest mean"
            )
    if point is None:
        raise ConfigError(f"study {study!r} has no configuration whose repeats all completed with finite scores")
    return point, rule


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config, folder = sweep_config(args)
        if not folder.exists(TRIALS_FILE):
            raise ConfigError(f"{str(folder)!r} holds no finished sweep ({TRIALS_FILE} is missing); run the sweep first")
        study = args.study or next(iter(config.studies))
        if study not in config.studies:
            raise ConfigError(f"`--study` ({study!r}) is not a study of the sweep; its studies: {', '.join(config.studies)}")
        loaded = load_catalogue(config.data)
        catalogue = loaded.only(build_plan(config, loaded.values).origins)
        check_same_data(folder, catalogue.values, config.data.source_label, action="forecast")
        trials = folder.read_parquet(TRIALS_FILE)
        baselines = folder.read_parquet(BASELINES_FILE) if folder.exists(BASELINES_FILE) else None
        several = len(catalogue.series) > 1
        point, chosen = chosen_point(trials, baselines, study, config.evaluation.metric, args.choice, several)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    label = ", ".join(f"{axis} {value}" for axis, value in canonical_point(point).items())
    trained = "per series" if several else f"trained on all {len(next(iter(catalogue.series.values())).values)} observations"
    print(f"study {study}: configuration {label} ({chosen}), {config.repeats} repeats {trained}")
    frames = []
    for name, series in catalogue.series.items():
        request = trial_request(config, point, range(config.repeats), [name])
        forecasts = forecast_next(request, series.values)
        when = next_label(series.dates, len(series.values))
        frames.append(pd.DataFrame({"series": name, "study": study, **point, "next": when, "repeat": request.repeat_indices,
                                    "seed": request.seeds, "forecast": forecasts}))  # fmt: skip
        low, median, high = np.percentile(forecasts, [10, 50, 90])
        where = f"{name}: " if several else ""
        print(f"{where}forecast for {when}: median {median:.3f} {series.unit}, 10-90% over repeats {low:.3f} to {high:.3f}")
    folder.write_csv(FORECAST_FILE, pd.concat(frames, ignore_index=True))
    if baselines is not None:
        _better_baselines(trials, baselines, point, config.evaluation.metric)
    print(f"every repeat's forecast in {folder}/{FORECAST_FILE}")
    return 0


def _better_baselines(trials: pd.DataFrame, baselines: pd.DataFrame, point: dict, metric: str) -> None:
    """Note each baseline that scored better than the chosen configuration (mean over series, origins and repeats)."""
    completed = trials[trials["status"] == "completed"]
    of_point = (completed[list(point)] == pd.Series(point)).all(axis=1)
    point_mean = completed.loc[of_point].groupby("series")[score_column(metric)].mean().mean()
    means = baseline_means(baselines, metric)
    for name, mean in means[means < point_mean].items():
        print(f"note: baseline {name} scored better in the backtest (mean {mean:.3f} against {point_mean:.3f})")


if __name__ == "__main__":
    sys.exit(main())
