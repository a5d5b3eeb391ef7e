"""Use the winner: train a finished sweep's best configuration on the whole series and forecast what comes next.

    $ python -m sweep.forecast --config grid.yaml [--storage DIR] [--name NAME] [--study STUDY]

The configuration is the study's best by the sweep's metric (lowest mean, only finite scores). Every
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

from sweep.config import ConfigError
from sweep.datasets import load_configured
from sweep.lifecycle import check_same_data, results_folder
from sweep.run import resolve_config
from trainables.contract import TrialRequest
from trainables.spec import canonical_point

FORECAST_FILE = "forecast.csv"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.forecast", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="the sweep's YAML config: a path, or a file name in conf/")
    parser.add_argument("--storage", help="override `storage`, as given to the sweep")
    parser.add_argument("--name", help="override `name`, as given to the sweep")
    parser.add_argument("--study", help="whose best configuration to use (default: the config's first study)")
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


def main(argv: list[str] | None = None) -> int:
    from sweep.aggregate import baseline_means, best_point, score_column

    args = parse_args(argv)
    try:
        config = resolve_config(argparse.Namespace(**vars(args), smoke=False))
        folder = results_folder(config)
        if not folder.exists("trials.parquet"):
            raise ConfigError(f"{str(folder)!r} holds no finished sweep (trials.parquet is missing); run the sweep first")
        study = args.study or next(iter(config.studies))
        if study not in config.studies:
            raise ConfigError(f"`--study` ({study!r}) is not a study of the sweep; its studies: {', '.join(config.studies)}")
        loaded = load_configured(config.data)
        check_same_data(folder, loaded.values, config.data.source, action="forecast")
        trials = folder.read_parquet("trials.parquet")
        point = best_point(trials, study, config.evaluation.metric)
        if point is None:
            raise ConfigError(f"study {study!r} has no configuration whose repeats all completed with finite scores")
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from trainables.trainable import forecast_next

    request = TrialRequest.for_point(config, point, list(range(config.repeats)))
    forecasts = forecast_next(request, loaded.values)
    when = next_label(loaded.dates, len(loaded.values))
    frame = pd.DataFrame({"study": study, **point, "next": when, "repeat": request.repeat_indices, "seed": request.seeds,
                          "forecast": forecasts})  # fmt: skip
    folder.write_csv(FORECAST_FILE, frame)
    label = ", ".join(f"{axis} {value}" for axis, value in canonical_point(point).items())
    low, median, high = np.percentile(forecasts, [10, 50, 90])
    print(f"study {study}: best configuration {label} (lowest mean test {config.evaluation.metric}), {len(forecasts)} repeats "
          f"trained on all {len(loaded.values)} observations")  # fmt: skip
    print(f"forecast for {when}: median {median:.3f} {loaded.unit}, 10-90% over repeats {low:.3f} to {high:.3f}")
    if folder.exists("baselines.parquet"):
        completed = trials[trials["status"] == "completed"]
        of_point = (completed[list(point)] == pd.Series(point)).all(axis=1)
        point_mean = completed.loc[of_point, score_column(config.evaluation.metric)].mean()
        means = baseline_means(folder.read_parquet("baselines.parquet"), config.evaluation.metric)
        for name, mean in means[means < point_mean].items():
            print(f"note: baseline {name} scored better in the backtest (mean {mean:.3f} against {point_mean:.3f})")
    print(f"every repeat's forecast in {folder}/{FORECAST_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
