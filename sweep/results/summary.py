"""Turn Tune's ResultGrid into one row per (study, repeat, origin), the forecasts behind them, and the
studies' describe() tables, baselines beside the configurations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.results.columns import (
    BASELINE_SUFFIX,
    completed_in_study,
    configuration_labels,
    point_columns,
    points_by_label,
    with_axis_types,
)
from sweep.results.described import grouped_describe
from sweep.results.statistics import compare_to_best
from sweep.results.verdicts import ROBUST_QUANTILE, verdicts_of
from trainables import Point, score_column

STATISTICS_COLUMNS = ["mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high", "best", "p_vs_best", "diverged",
                      "differs_from_best", "p90", "robust_choice"]  # fmt: skip
SUMMARY_COUNTS = ["count", "stopped", "failed", "race_rounds"]  # whole numbers, never floats
ONE_SERIES = "series"  # a single series' frames, summarised as a catalogue of one
SPREAD_COLUMNS = ["seed_sd", "origin_sd"]  # with several origins: how much of the spread is seeds', how much origins'


def summarize(
    trials: pd.DataFrame, statistics: dict[str, pd.DataFrame] | None = None, metric: str = "rmse", baselines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One series' summary rows (`summary_by_series`). `statistics`: each study's `study_statistics`, if already computed
    (they cost a bootstrap per configuration)."""
    if statistics is None:
        statistics = {study: study_statistics(trials, study, metric, baselines) for study in trials["study"].unique()}
    frames = [frame.assign(series=ONE_SERIES, study=study) for study, frame in statistics.items() if not frame.empty]
    every = pd.concat(frames) if frames else pd.DataFrame()
    own_baselines = None if baselines is None else baselines.assign(series=ONE_SERIES)
    summary = summary_by_series(trials.assign(series=ONE_SERIES), every, list(statistics), metric, own_baselines)
    return summary.drop(columns="series")


def summary_by_series(
    trials: pd.DataFrame, statistics: pd.DataFrame, studies: list[str], metric: str = "rmse", baselines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """summary.csv: per (series, study, point), describe() of the completed trials' scores, bootstrap intervals of the
    mean and median, the Holm-adjusted p-value against the study's best, and how many trials stopped early or failed;
    then, with baselines, each baseline's row per study (with a `baseline` column); a series' rows together.

    `statistics`: every series' `study_statistics` in one frame, with `series` and `study` columns. All series at once:
    a catalogue of 10,000 series summarised one at a time spent minutes in pandas' per-call overhead."""
    score = score_column(metric)
    keys = ["series", "study", *point_columns(trials)]
    every_point = pd.MultiIndex.from_frame(trials[keys].drop_duplicates())
    completed = trials[trials["status"] == "completed"]
    summary = grouped_describe(completed[score], completed[keys]).reindex(every_point)
    summary["count"] = summary["count"].fillna(0)
    several_origins = trials.groupby("series", sort=False)["origin"].nunique() > 1  # spread columns: only where origins vary
    columns = [*STATISTICS_COLUMNS, *(SPREAD_COLUMNS if several_origins.any() else [])]
    if not statistics.empty and (~statistics["baseline"]).any():
        configurations = statistics[~statistics["baseline"]]
        summary = summary.join(configurations[[*columns, *keys]].set_index(keys))
    for status in ("stopped", "failed"):
        summary[status] = trials[trials["status"] == status].groupby(keys).size().reindex(every_point, fill_value=0)
    if "race_round" in trials.columns:  # a race: the rounds each point ran (a point that left early: the round it left)
        summary["race_rounds"] = trials.groupby(keys)["race_round"].max().reindex(every_point)
    summary = summary.reset_index()
    if baselines is not None and not baselines.empty and studies:
        rows = _baseline_rows(baselines, statistics, studies, columns, score)
        summary = pd.concat([summary.assign(baseline=None), rows], ignore_index=True)
        series_order = pd.factorize(summary["series"])[0]  # trials' series order; a series' baselines after its configurations
        summary = summary.iloc[np.argsort(series_order, kind="stable")].reset_index(drop=True)
    if several_origins.any():  # a series of one origin has no spread over origins to show
        one_origin = summary["series"].isin(several_origins.index[~several_origins])
        summary.loc[one_origin, summary.columns.intersection(SPREAD_COLUMNS)] = np.nan
    return with_axis_types(summary, counts=SUMMARY_COUNTS)


def _baseline_rows(baselines: pd.DataFrame, statistics: pd.DataFrame, studies: list[str], columns: list[str], score: str):
    """Each baseline's summary row per series and study: describe() of its completed scores beside its statistics there."""
    pairs = [baselines["series"], baselines["baseline"]]
    completed = baselines[score].where(baselines["status"] == "completed")
    described = grouped_describe(completed, baselines[["series", "baseline"]], sort=False)
    described["failed"] = baselines["status"].eq("failed").groupby(pairs, sort=False).sum()
    described = described.reset_index()
    # study-major: once `summary_by_series` groups the rows by series, each series' baselines come study by study
    rows = pd.concat([described.assign(study=study, stopped=0) for study in studies], ignore_index=True)
    found = statistics[statistics["baseline"]] if not statistics.empty else statistics
    if found.empty:
        return rows
    found = found.assign(label=found.index)[["series", "study", "label", *columns]]
    labels = rows.assign(label=rows["baseline"] + BASELINE_SUFFIX)
    return labels.merge(found, on=["series", "study", "label"], how="left").drop(columns="label")


def study_statistics(trials: pd.DataFrame, study: str, metric: str = "rmse", baselines: pd.DataFrame | None = None) -> pd.DataFrame:
    """`compare_to_best` of a study's completed configurations and the baselines, with their point
    columns and a `baseline` flag; each one's scores indexed by origin."""
    score = score_column(metric)
    members, axes = completed_in_study(trials, study)
    if members.empty:
        return pd.DataFrame()
    labels = configuration_labels(members, axes)
    samples = {label: group.set_index("origin")[score] for label, group in members.groupby(labels, sort=False)}
    for name, group in _completed_baselines(baselines).groupby("baseline", sort=False):
        samples[f"{name}{BASELINE_SUFFIX}"] = group.set_index("origin")[score]
    points = pd.DataFrame.from_dict(points_by_label(trials, study), orient="index")
    comparison = with_axis_types(compare_to_best(samples).join(points))
    comparison["baseline"] = comparison.index.str.endswith(BASELINE_SUFFIX)
    tied = comparison[~comparison["differs_from_best"] & ~comparison["baseline"]]
    choice = tied.assign(mean=[np.mean(samples[label]) for label in tied.index]).sort_values(["p90", "mean"]).index[:1]
    comparison["robust_choice"] = comparison.index.isin(choice)
    return comparison


def robust_choices(statistics: dict[str, pd.DataFrame], trials: pd.DataFrame) -> dict[str, Point]:
    """Each study's robust choice (study -> typed point), read from its configurations' trial rows by the label the
    statistics chose; studies without one are left out."""
    return {
        study: points_by_label(trials, study)[frame.index[frame["robust_choice"]][0]]
        for study, frame in statistics.items()
        if not frame.empty and frame["robust_choice"].any()
    }


def tied_line(statistics: pd.DataFrame) -> str:
    """The configurations tied with the study's best, and the robust choice among them, in words."""
    tied = statistics[~statistics["differs_from_best"] & ~statistics["baseline"]]
    if tied.empty:
        configurations = statistics[~statistics["baseline"]]
        best = statistics.index[statistics["best"]]
        if best.empty or configurations.empty:
            return "no configuration completed with finite scores"
        return (f"the best is {best[0]}; all {len(configurations)} configurations are worse (Holm p <= "
                f"{configurations['p_vs_best'].max():.3g}) or diverged: no robust choice")  # fmt: skip
    choice = tied.index[tied["robust_choice"]][0]
    return (f"tied with the best: {', '.join(tied.index)}; robust choice {choice} (lowest {ROBUST_QUANTILE}th percentile of the "
            f"tied, {tied.loc[choice, 'p90']:.3f})")  # fmt: skip


def baseline_means(baselines: pd.DataFrame | None, metric: str) -> pd.Series:
    """Each baseline's mean score over the origins it completed; empty without baselines."""
    completed = _completed_baselines(baselines)
    return completed.groupby("baseline")[score_column(metric)].mean() if not completed.empty else pd.Series(dtype=float)


def _completed_baselines(baselines: pd.DataFrame | None) -> pd.DataFrame:
    if baselines is None or baselines.empty:
        return pd.DataFrame(columns=["baseline", "origin"])
    return baselines[baselines["status"] == "completed"]


def lowest_mean_point(trials: pd.DataFrame, study: str, metric: str) -> Point | None:
    """The study's configuration with the lowest mean score among those with only finite scores; None if none."""
    members, axes = completed_in_study(trials, study)
    scores = members.groupby(configuration_labels(members, axes), sort=False)[score_column(metric)]
    means = scores.mean()[scores.apply(lambda values: bool(np.all(np.isfinite(values))))]
    return None if means.empty else points_by_label(trials, study)[means.idxmin()]


def study_table(
    trials: pd.DataFrame, study: str, statistics: pd.DataFrame | None = None, metric: str = "rmse", baselines: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The study's own table shape: describe() rows, then the bootstrap intervals, the p-value against
    the best and a verdict (best / worse / tie / diverged / untested), one column per configuration,
    then one per baseline; with several origins, the spread over seeds and over origins."""
    score = score_column(metric)
    members, axes = completed_in_study(trials, study)
    columns = {
        label: group[score].reset_index(drop=True) for label, group in members.groupby(configuration_labels(members, axes), sort=False)
    }
    for name, group in _completed_baselines(baselines).groupby("baseline", sort=False):
        columns[f"{name}{BASELINE_SUFFIX}"] = group[score].reset_index(drop=True)
    if not columns or members.empty:
        return pd.DataFrame()
    table = pd.DataFrame(columns).describe()
    statistics = study_statistics(trials, study, metric, baselines) if statistics is None else statistics
    extra = statistics[["mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high", "p_vs_best"]].T
    extra.index = ["mean 95% CI low", "mean 95% CI high", "median 95% CI low", "median 95% CI high", "p vs best (Holm)"]
    rows = [table, extra, verdicts_of(statistics).to_frame("vs best").T]
    if trials["origin"].nunique() > 1:
        spread = statistics[SPREAD_COLUMNS].T
        spread.index = ["sd over seeds (within origin)", "sd over origins (of means)"]
        rows.append(spread)
    table = pd.concat(rows)
    table.columns.name = "/".join(axes)
    return table
