"""Use the winner: train a finished sweep's chosen configuration on all of each series and forecast what comes next.

Shared by `lstm-sweep forecast` (which reads the sweep's files) and `SweepResult.forecast` (which holds
them in memory). Every repeat of the configuration, with the sweep's seeds, trains on every
observation and forecasts the sweep's horizon; what is delivered is the repeats' median (the seed
ensemble), with intervals calibrated on that median's backtest errors where the sweep set levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import Catalogue
from sweep.data.dates import timestamps
from sweep.planning.plan import build_plan
from sweep.planning.requests import trial_request
from sweep.results.across_series import lowest_mean_rank_point
from sweep.results.ahead import Ahead, backtest_widths, best_baseline_ahead
from sweep.results.columns import BASELINE_SUFFIX, of_point
from sweep.results.ensembles import ensemble_scores, scored_as_ensembles
from sweep.results.holdout import chosen_on
from sweep.results.summary import baseline_means, lowest_mean_point, robust_choices, study_statistics, tied_line
from sweep.results.verdicts import ROBUST_QUANTILE
from trainables import Point, baseline_next, error_scales, forecast_next, point_words, score_column

CHOICES = ("robust", "best")
POSITION_LABEL = "observation"  # a step of an undated series (or of dates with no regular frequency), by its position


@dataclass(frozen=True)
class WinnerForecast:
    frame: pd.DataFrame  # forecast.csv: a row per (series, step), `unique_id, ds` and the models' columns
    lines: list[str]  # what a person reads: the choice, each series' median and spread, better baselines
    repeats: pd.DataFrame | None = None  # a configuration's: every repeat's forecasts with its seed (forecast_repeats.csv)
    ahead: list[Ahead] = field(default_factory=list)  # a configuration's: each series', for its fan chart


def chosen_point(
    trials: pd.DataFrame, baselines: pd.DataFrame | None, study: str, metric: str, choice: str, several: bool
) -> tuple[dict, str]:
    """The configuration to forecast with, and the rule that chose it in words; refused when the rule chooses none."""
    if several:
        point = lowest_mean_rank_point(trials, study, metric)
        rule = f"lowest mean rank of test {metric} across series, ranked among the study's configurations"
    elif choice == "best":
        point, rule = lowest_mean_point(trials, study, metric), f"lowest mean test {metric}"
    else:
        statistics = study_statistics(trials, study, metric, baselines)
        point = robust_choices({study: statistics}, trials).get(study)
        rule = f"robust choice: of those tied with the lowest mean test {metric}, the lowest {ROBUST_QUANTILE}th percentile"
        if point is None and not statistics.empty:
            raise ConfigError(f"study {study!r} has no robust choice: {_why_no_robust_choice(statistics)}")
    if point is None:
        raise ConfigError(f"study {study!r} has no configuration whose repeats all completed with finite scores")
    return point, rule


def _scored_as_ensembles(config: SweepConfig, catalogue: Catalogue, trials: pd.DataFrame, backtest: pd.DataFrame | None):
    """`evaluation.score: ensemble`: the trials as the sweep's decisions read them, each configuration's median of its
    repeats, scored from the sweep's own forecasts (`sweep.results.ensembles`)."""
    if backtest is None:
        raise ConfigError("`evaluation.score: ensemble` chooses by the repeats' median forecasts (forecasts.parquet), which this "
                          "sweep's folder lacks")  # fmt: skip
    metric, season = config.evaluation.metric, config.evaluation.season_for(config.data)
    plan = build_plan(config, catalogue.values)
    return scored_as_ensembles(trials, ensemble_scores(backtest, plan, catalogue.values, season, metric, trials), metric)


def _why_no_robust_choice(statistics: pd.DataFrame) -> str:
    """The tied set's verdict, and what to ask for instead: the lowest mean, or the baseline that won."""
    reason = tied_line(statistics).removesuffix(": no robust choice")
    best = statistics.index[statistics["best"] & statistics["baseline"]]
    baseline = f", `--method {best[0].removesuffix(BASELINE_SUFFIX)}` with the baseline that won" if len(best) else ""
    return f"{reason}; `--choice best` forecasts with the configuration of lowest mean{baseline}"


def forecast_winner(
    config: SweepConfig, catalogue: Catalogue, trials: pd.DataFrame, baselines: pd.DataFrame | None, study: str | None = None,
    choice: str = "robust", horizon: int | None = None, backtest: pd.DataFrame | None = None,
) -> WinnerForecast:  # fmt: skip
    """The chosen configuration's forecast for every series of the sweep: the next value, or `horizon` steps (default: the
    sweep's) with intervals at the sweep's levels calibrated on its backtest (`backtest`: forecasts.parquet); bad input
    raises ConfigError."""
    horizon = horizon or config.evaluation.horizon
    study = study or next(iter(config.studies))
    if study not in config.studies:
        raise ConfigError(f"`--study` ({study!r}) is not a study of the sweep; its studies: {', '.join(config.studies)}")
    if choice not in CHOICES:
        raise ConfigError(f"`--choice` ({choice!r}) must be one of {', '.join(CHOICES)}")
    several = len(catalogue.series) > 1
    if config.evaluation.score == "ensemble":
        trials = _scored_as_ensembles(config, catalogue, trials, backtest)
    selection = config.evaluation.selection_origins  # the held-out origins choose nothing (`evaluation.holdout`)
    trials, baselines = chosen_on(trials, selection), None if baselines is None else chosen_on(baselines, selection)
    point, rule = chosen_point(trials, baselines, study, config.evaluation.metric, choice, several)
    if config.evaluation.holdout:
        rule += f", on the first {selection} origins (the last {config.evaluation.holdout} held out)"
    label = point_words(point)
    if point.get("training") == "global":
        trained = f"one model per repeat trained across all {len(catalogue.series)} series"
    else:
        trained = "per series" if several else f"trained on all {len(next(iter(catalogue.series.values())).values)} observations"
    lines = [f"study {study}: configuration {label} ({rule}), {config.repeats} repeats {trained}"]
    forecast = _forecast_ahead(config, catalogue, baselines, study, point, horizon, backtest, lines)
    if baselines is not None:
        forecast.lines.extend(better_baselines(trials, baselines, point, config.evaluation.metric))
    return forecast


def _forecast_ahead(config, catalogue, baselines, study: str, point: Point, horizon: int, backtest, lines: list[str]) -> WinnerForecast:
    """`horizon` steps of every series: the repeats' median (forecast.csv, the anchors' `unique_id, ds, lstm`) with the
    backtest's intervals and the best baseline beside, and every repeat's forecasts with its seed (forecast_repeats.csv)."""
    levels, season = config.evaluation.levels, config.evaluation.season_for(config.data)
    if levels and backtest is None:
        raise ConfigError("intervals need the sweep's backtest forecasts (forecasts.parquet), which this sweep's folder lacks")
    if point.get("strategy") == "direct" and horizon != config.evaluation.horizon:
        lines.append(f"note: a direct model outputs every step it was trained for: these repeats are trained with a head of "
                     f"{horizon} steps, the backtest's had {config.evaluation.horizon} (its intervals come from those)")  # fmt: skip
    aheads, repeats = [], []
    request = trial_request(config, point, range(config.repeats))
    for name, values in _forecasts_by_series(config, catalogue, point, horizon).items():
        series, values = catalogue.series[name], values.reshape(config.repeats, horizon)
        scales = error_scales(series.values, season)
        widths = backtest_widths(backtest, name, study, point, levels, horizon, scales) if levels else {}
        model_levels = levels if "model" in config.evaluation.intervals else []
        baseline = best_baseline_ahead(baselines, config.evaluation.metric, series.values, season, horizon, model_levels)
        labels = future_labels(series.dates, len(series.values), horizon)
        ahead = Ahead(name, labels, future_ds(labels, len(series.values)), values, widths, baseline)
        aheads.append(ahead)
        repeats.append(pd.DataFrame({"unique_id": name, "study": study, **point, "repeat": np.repeat(request.repeat_indices, horizon),
                                     "seed": np.repeat(request.seeds, horizon), "h": np.tile(np.arange(1, horizon + 1), config.repeats),
                                     "ds": np.tile(ahead.ds, config.repeats), "forecast": values.ravel()}))  # fmt: skip
        where = f"{name}: " if len(catalogue.series) > 1 else ""
        lines.append(_ahead_line(ahead, widths, series.unit, where))
        uncalibrated = [f"{level:g}%" for level, width in widths.items() if np.isnan(width).any()]
        if uncalibrated:
            lines.append(f"note: {where}no interval at {', '.join(uncalibrated)} for the steps the backtest scored too few of "
                         f"(it scored {config.evaluation.horizon} steps ahead)")  # fmt: skip
    frame = pd.concat([ahead.frame() for ahead in aheads], ignore_index=True)
    return WinnerForecast(frame, lines, pd.concat(repeats, ignore_index=True), aheads)


def _ahead_line(ahead: Ahead, widths: dict, unit: str, where: str) -> str:
    """One series' forecast in words: the next value with the repeats' spread, or H steps' last median; intervals beside."""
    bands = ", ".join(f"{level:g}% {ahead.median[-1] - width[-1]:.3f} to {ahead.median[-1] + width[-1]:.3f}"
                      for level, width in widths.items() if np.isfinite(width[-1]))  # fmt: skip
    bands = f"; {bands}" if bands else ""
    if len(ahead.labels) == 1:
        low, high = np.percentile(ahead.repeats[:, 0], [10, 90])
        return (f"{where}forecast for {ahead.labels[0]}: median {ahead.median[0]:.3f} {unit}, 10-90% over repeats {low:.3f} to "
                f"{high:.3f}{bands}")  # fmt: skip
    steps = f"{len(ahead.labels)} steps, {ahead.labels[0]} to {ahead.labels[-1]}"
    return f"{where}{steps}: median at the last {ahead.median[-1]:.3f} {unit}{bands}"


def future_ds(labels: list[str], length: int) -> np.ndarray:
    """The anchors' `ds` of the steps ahead: their dates where the series is dated, else their positions."""
    if labels[0].startswith(POSITION_LABEL):
        return np.arange(length, length + len(labels))
    return timestamps(labels).to_numpy(dtype="datetime64[ns]")


def _forecasts_by_series(config: SweepConfig, catalogue: Catalogue, point: Point, horizon: int = 1) -> dict[str, np.ndarray]:
    """Each series' forecasts by repeat: a local point retrained on each series, a global one once across all of them."""
    if point.get("training") == "global":
        return forecast_next(trial_request(config, point, range(config.repeats), catalogue.names), catalogue.values, horizon)
    return {
        name: forecast_next(trial_request(config, point, range(config.repeats), [name]), series.values, horizon)
        for name, series in catalogue.series.items()
    }  # fmt: skip


def future_labels(dates: list[str] | None, length: int, horizon: int) -> list[str]:
    """The `horizon` periods or dates after the series (positions where the dates say nothing)."""
    labels, known = [], list(dates) if dates else None
    for step in range(horizon):
        label = next_label(known, length + step)
        labels.append(label)
        if known is not None:
            known = known + [label] if not label.startswith(POSITION_LABEL) else None
    return labels


def forecast_baseline(config: SweepConfig, catalogue: Catalogue, baselines: pd.DataFrame | None, name: str) -> WinnerForecast:
    """A baseline the sweep scored, fitted on all of each series, forecasting the next value (`--method`)."""
    if name not in config.evaluation.baselines:
        scored = ", ".join(config.evaluation.baselines) or "none"
        raise ConfigError(f"`--method` ({name!r}) is not a baseline the sweep scored; its baselines: {scored}")
    season = config.evaluation.season_for(config.data)
    rows, lines = [], [f"baseline {name}, fitted on all of each series (season {season})"]
    for series_name, series in catalogue.series.items():
        forecast = baseline_next(name, series.values, season)
        if forecast.error:
            raise ConfigError(f"baseline {name} could not be fitted to series {series_name!r}: {forecast.error}")
        when = next_label(series.dates, len(series.values))
        rows.append({"unique_id": series_name, "ds": future_ds([when], len(series.values))[0], name: forecast.forecasts[0],
                     "model": forecast.model})  # fmt: skip
        where = f"{series_name}: " if len(catalogue.series) > 1 else ""
        lines.append(f"{where}forecast for {when}: {forecast.forecasts[0]:.3f} {series.unit} ({forecast.model})")
    return WinnerForecast(pd.DataFrame(rows), lines)


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
            following = index[-1] + pd.tseries.frequencies.to_offset(frequency)
            if frequency[0] in "YAQM":  # dated at a period's start or end: the period itself, as its dates name it
                return str(following.to_period(frequency[0].replace("A", "Y")))
            return following.strftime("%Y-%m-%d") if following == following.normalize() else str(following)
    return f"{POSITION_LABEL} {length + 1}"


def better_baselines(trials: pd.DataFrame, baselines: pd.DataFrame, point: dict, metric: str) -> list[str]:
    """A note for each baseline that scored better than the chosen configuration (mean over series, origins and repeats)."""
    completed = trials[trials["status"] == "completed"]
    point_mean = completed.loc[of_point(completed, point)].groupby("series")[score_column(metric)].mean().mean()
    means = baseline_means(baselines, metric)
    return [f"note: baseline {name} scored better in the backtest (mean {mean:.3f} against {point_mean:.3f})"
            for name, mean in means[means < point_mean].items()]  # fmt: skip
