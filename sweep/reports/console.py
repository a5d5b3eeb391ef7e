"""What the console shows once a sweep ends: the tables, what a search did, and the exit status."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from sweep.config.model import SweepConfig
from sweep.reports.figures import metric_label
from sweep.results.across_series import AcrossSeries, across_table
from sweep.results.holdout import chosen_on
from sweep.results.horizons import step_metric
from sweep.results.outcome import Finished, Outcome
from sweep.results.summary import tied_line
from sweep.results.verdicts import SIGNIFICANCE
from sweep.search.confirmation import confirmation_lines
from sweep.search.objective import objective
from sweep.storage.layout import CONFIRM_FOLDER, HOLDOUT_FILE, TRIALS_FILE, TUNE_FOLDER
from trainables import persistence_description, score_column


def friedman_line(result: AcrossSeries, series_count: int) -> str:
    """Friedman's verdict on a study across series, in words."""
    if not np.isfinite(result.friedman_p):
        return f"across {series_count} series; Friedman's test needs three methods with finite scores"
    verdict = "some mean ranks differ" if result.friedman_p < SIGNIFICANCE else "no mean rank differs significantly"
    return f"across {series_count} series; Friedman's test: p = {result.friedman_p:.3g} ({verdict})"


SERIES_PRINTED = 30  # more series than this: the series x method table is in summary.csv and across_series.csv only
# `lstm-sweep run`'s exit statuses (2: bad input, before anything runs)
EXIT_DONE, EXIT_FAILED_REPEATS, EXIT_STORAGE_FAILED, EXIT_INTERRUPTED = 0, 1, 3, 130


def print_finished(finished: Finished, config: SweepConfig, unit: str, resume_hint: str) -> int:
    """Everything a person reads once a sweep ends, and the exit status it ends with."""
    outcome = finished.outcome
    for node in finished.lost_nodes:
        print(f"\nwarning: node {node} left the cluster during the sweep; its trials were retried on the others (`max_failures`)")
    if outcome is None or finished.while_confirming:
        if outcome is not None:
            print_tables(config, outcome, finished.plan.axis_names, finished.persistence, unit)
        where = "while confirming" if finished.while_confirming else f"{finished.unfinished} trials unfinished"
        print(f"\ninterrupted: {where}, nothing computed is lost; resume with:\n  {resume_hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print_tables(config, outcome, finished.plan.axis_names, finished.persistence, unit)
    if outcome.confirmation is not None:
        print("")
        for line in confirmation_lines(outcome.confirmation, finished.plan.axis_names):
            print(line)
    if outcome.holdout_across is not None:
        print(_holdout_across_text(outcome.holdout_across, config))
    elif outcome.holdout is not None:
        print(_holdout_text(outcome.holdout, config))
    print(f"results in {finished.folder} ({finished.wall_seconds:.1f} s); every trial's scores in TensorBoard: "
          f"tensorboard --logdir {finished.folder}/{TUNE_FOLDER}")  # fmt: skip
    retried = retried_line(outcome.trials, finished.plan.axis_names)
    if retried:
        print(retried)
    failed = outcome.repeats_with_status("failed", finished.plan.axis_names)
    if failed:
        print(
            f"error: {failed} repeats failed after {config.max_failures} retries; see the `error` column of {TRIALS_FILE}", file=sys.stderr
        )
        return EXIT_FAILED_REPEATS
    unconfirmed = 0 if outcome.confirmation is None else int(outcome.confirmation["confirmation_failed"].sum())
    if unconfirmed:
        print(f"error: {unconfirmed} confirmation repeats failed after {config.max_failures} retries; the trials' errors are in "
              f"{CONFIRM_FOLDER}/", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED_REPEATS
    return EXIT_DONE


def retried_line(trials: pd.DataFrame, axis_names: list[str], shown: int = 5) -> str | None:
    """The trials that failed (a worker or node lost) and completed on a retry, by point and repeats; None if none did."""
    hit = trials[(trials["failures"] > 0) & (trials["status"] != "failed")].drop_duplicates(["trial_id", "repeat"])
    if hit.empty:
        return None
    names = [
        f"{','.join(f'{axis}={group[axis].iloc[0]}' for axis in axis_names)} r{','.join(map(str, sorted(group['repeat'])))}"
        for _, group in hit.groupby("trial_id", sort=False)
    ]
    failures = int(hit.drop_duplicates("trial_id")["failures"].sum())
    more = f", and {len(names) - shown} more" if len(names) > shown else ""
    return (f"note: {len(names)} trial(s) failed and completed on a retry ({failures} failure(s) in all; `failures` in "
            f"{TRIALS_FILE}): {'; '.join(names[:shown])}{more}")  # fmt: skip


def print_tables(config: SweepConfig, outcome: Outcome, axis_names: list[str], persistence: float | None, unit: str) -> None:
    """The study tables (one series) or the across-series tables, then what a search, the scheduler and the baselines did."""
    where = _origins_phrase(config)
    label = metric_label(config.evaluation.metric, unit)
    if config.evaluation.score == "ensemble":
        print(f"\nnote: `evaluation.score: ensemble`: the tables, statistics and choice compare each configuration's median of its "
              f"{config.repeats} repeats, one score per series and origin, tested as a baseline's (signed-rank over origins: "
              f"with fewer than 6 no difference can be significant); ensembles.csv has the single repeats' mean (k = 1)")  # fmt: skip
    if outcome.single is not None:
        _print_study_tables(outcome, label, where)
    _print_across_tables(outcome, label, where)
    if outcome.by_step is not None:
        by_step_label = metric_label(step_metric(config.evaluation.metric), unit)
        print(f"\n{by_step_label} by horizon step, {config.evaluation.horizon} steps from every cutoff (mean over repeats, origins "
              f"and series; `mean` over the steps):\n{outcome.by_step.round(3).to_string()}")  # fmt: skip
    if outcome.interval_scores is not None:
        print(f"\nintervals (conformal, from the errors each cutoff knew; \"(model)\": a baseline's own; configurations: the median "
              f"of their repeats)"
              f"{_origins_phrase(config)}:\n{outcome.interval_scores.round(3).to_string()}")  # fmt: skip
    if "race_round" in outcome.trials.columns:
        print(f"\n{race_line(outcome.trials, outcome.summary, axis_names, config)}")
    if config.search.type in ("random", "optuna"):
        print(f"\n{search_line(outcome.trials, axis_names, config)}")
    stopped = outcome.repeats_with_status("stopped", axis_names)
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    failed = outcome.baselines[outcome.baselines["status"] == "failed"] if not outcome.baselines.empty else outcome.baselines
    for row in failed.itertuples():
        print(f"\nbaseline {row.baseline} failed on series {row.series!r} at origin {row.origin}: {row.error}")
    if persistence is not None:
        print(f"\npersistence baseline ({persistence_description(config.data.difference_lag)}): test RMSE {persistence:.3f}")


def _origins_phrase(config: SweepConfig) -> str:
    origins, holdout = config.evaluation.origins, config.evaluation.holdout
    if origins == 1:
        return ""
    held = f"; the first {origins - holdout} only, the last {holdout} held out ({HOLDOUT_FILE})" if holdout else ""
    return f", {origins} origins {config.evaluation.step_for(config.data)} apart ({config.evaluation.window} window){held}"


def _holdout_text(holdout: pd.DataFrame, config: SweepConfig) -> str:
    """The choices against the baselines on the held-out origins: the estimate, beside the number that chose them."""
    columns = ["role", "selection_mean", "holdout_mean", "mean_ci_low", "mean_ci_high", "p_vs_best"]
    table = holdout.set_index(["series", "study", "method"])[columns]
    if table.index.get_level_values("series").nunique() == 1:
        table = table.droplevel("series")
    return (f"\nheld out: the last {config.evaluation.holdout} origins chose nothing; each study's choice and the baselines "
            f"there (test {config.evaluation.metric}; selection_mean: on the origins chosen on, biased low for a choice):\n"
            f"{table.round(3).to_string()}")  # fmt: skip


def _holdout_across_text(holdout: pd.DataFrame, config: SweepConfig) -> str:
    """A catalogue's held-out verdict: one configuration per study, as a user with the catalogue deploys it."""
    columns = ["role", "selection_mean", "holdout_mean", "median", "mean_rank", "series_won", "p_vs_best", "verdict"]
    table = holdout.set_index(["study", "method"])[columns]
    return (f"\nheld out: the last {config.evaluation.holdout} origins chose nothing; each study's configuration of lowest mean "
            f"rank across series on the others, its ensemble (the median of its repeats) and the baselines there (mean test "
            f"{config.evaluation.metric} over series; per series: {HOLDOUT_FILE}):\n{table.round(3).to_string()}")  # fmt: skip


def _print_study_tables(outcome: Outcome, label: str, where: str) -> None:
    for study, table in outcome.single.items():
        print(f"\n== study {study}: {label}{where} ==")
        print(table.to_string(float_format=lambda value: f"{value:.2f}") if not table.empty else "(no completed trials)")
        statistics = outcome.single_statistics[study]
        if not statistics.empty:
            print(f"{study}: {tied_line(statistics)}")


def _print_across_tables(outcome: Outcome, label: str, where: str) -> None:
    for study, result in outcome.across.items():
        series_count = len(result.scores)
        if series_count <= SERIES_PRINTED:
            print(f"\n== study {study}: mean {label} per series{where} ==")
            print(result.scores.to_string(float_format=lambda value: f"{value:.3f}"))
        print(f"\n== study {study}: {friedman_line(result, series_count)} ==")
        table = across_table(result.comparison, result.scores.columns.name)
        print(table.to_string(float_format=lambda value: f"{value:.3f}"))


def race_line(trials: pd.DataFrame, summary: pd.DataFrame, axis_names: list[str], config: SweepConfig) -> str:
    """What a race spent against the grid, which points it dropped (worse than a leader in every study of
    theirs) and which it settled (tied, with fewer than `repeats` repeats: more could not change the verdict)."""
    fits = trials.drop_duplicates(["series", *axis_names, "repeat"])
    per_point = fits.groupby(axis_names)["race_round"].agg(["max", "size"])
    rounds, points = int(per_point["max"].max()), len(per_point)
    grid = points * config.repeats * fits["series"].nunique()
    differs = summary[summary["baseline"].isna()] if "baseline" in summary.columns else summary
    differs = differs.groupby(axis_names)["differs_from_best"].agg(lambda verdicts: bool(verdicts.astype(bool).all()))
    short = per_point[per_point["size"] < grid // points]

    def named(key) -> str:
        return "/".join(map(str, key if isinstance(key, tuple) else (key,)))

    series = fits["series"].nunique()
    dropped = [f"{named(key)} after round {row['max']}" for key, row in short.iterrows() if differs.get(key, True)]
    settled = [f"{named(key)} at {row['size'] // series} repeats" for key, row in short.iterrows() if not differs.get(key, True)]
    return (f"race: {rounds} rounds, {len(fits)} repeat-fits where the grid would spend {grid} ({len(fits) / grid:.0%}); "
            f"{len(dropped)} of {points} points dropped{': ' + ', '.join(dropped) if dropped else ''}; "
            f"{len(settled)} settled, tied{': ' + ', '.join(settled) if settled else ''}")  # fmt: skip


def search_line(trials: pd.DataFrame, axis_names: list[str], config: SweepConfig) -> str:
    """How many points a search ran, and the one with the lowest `search.objective` of its repeats on the origins chosen on."""
    completed = chosen_on(trials[trials["status"] == "completed"], config.evaluation.selection_origins)
    score = score_column(config.evaluation.metric)
    values = {key: objective(group.set_index("repeat")[score], config.search.objective)
              for key, group in completed.drop_duplicates(["series", *axis_names, "repeat", "origin"]).groupby(axis_names)}  # fmt: skip
    ran = trials.drop_duplicates(axis_names)
    verb = "suggested by Optuna (TPE)" if config.search.type == "optuna" else "drawn at random"
    if not values:
        return f"{config.search.type}: {len(ran)} points {verb}; none completed"
    best = min(values, key=values.get)
    named = ", ".join(f"{axis} {value}" for axis, value in zip(axis_names, best if isinstance(best, tuple) else (best,)))
    return (f"{config.search.type}: {len(ran)} points {verb}, {config.repeats} repeats each; lowest {config.search.objective} of "
            f"its repeats: {named} ({values[best]:.3f})")  # fmt: skip
