"""What a finished sweep computed, written as files (Parquet, CSV, PNG, HTML) and printed as tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sweep.across import AcrossSeries, across_frame, across_series, across_table
from sweep.catalogue import Catalogue
from sweep.config import SweepConfig
from sweep.plan import SweepPlan
from sweep.report import metric_label
from sweep.storage import ResultsFolder
from trainables.data import persistence_description, persistence_rmse
from trainables.spec import canonical_point


@dataclass(frozen=True)
class Outcome:
    """What a finished sweep computed, ready to write and print."""

    trials: pd.DataFrame
    forecasts: pd.DataFrame
    baselines: pd.DataFrame  # empty without `evaluation.baselines`
    statistics: dict[str, dict[str, pd.DataFrame]]  # series -> study -> `study_statistics`
    tables: dict[str, dict[str, pd.DataFrame]]  # series -> study -> its describe() table
    summary: pd.DataFrame
    history: pd.DataFrame | None  # with diagnostics only
    across: dict[str, AcrossSeries]  # study -> its comparison across series; empty with one series

    @property
    def single(self) -> dict[str, pd.DataFrame] | None:
        """The one series' tables (study -> table), or None when there are several series."""
        return next(iter(self.tables.values())) if len(self.tables) == 1 else None

    @property
    def single_statistics(self) -> dict[str, pd.DataFrame] | None:
        """The one series' `study_statistics` (study -> frame), or None when there are several series."""
        return next(iter(self.statistics.values())) if len(self.statistics) == 1 else None


def summarize_sweep(config: SweepConfig, plan: SweepPlan, results, catalogue: Catalogue, baseline_forecasts: list) -> Outcome:
    from sweep.aggregate import study_statistics, study_table, summarize, trials_frame
    from sweep.backtests import baselines_frame, forecasts_frame
    from sweep.history import history_frame

    metric = config.evaluation.metric
    baselines = baselines_frame(baseline_forecasts, plan, catalogue.values, config.evaluation.season_for(config.data))
    trials = trials_frame(results, plan, config)
    statistics, tables, summaries = {}, {}, []
    for series in plan.origins:
        own, own_baselines = trials[trials["series"] == series], baselines[baselines["series"] == series]
        statistics[series] = {study: study_statistics(own, study, metric, own_baselines) for study in plan.studies}
        tables[series] = {study: study_table(own, study, statistics[series][study], metric, own_baselines) for study in plan.studies}
        summaries.append(summarize(own, statistics[series], metric, own_baselines).assign(series=series))
    summary = pd.concat(summaries, ignore_index=True)
    across = {study: across_series(trials, baselines, study, metric) for study in plan.studies} if len(plan.origins) > 1 else {}
    return Outcome(
        trials=trials,
        forecasts=forecasts_frame(results, plan, catalogue, baseline_forecasts),
        baselines=baselines,
        statistics=statistics,
        tables=tables,
        summary=summary[["series", *summary.columns.drop("series")]],
        history=history_frame(results, plan) if config.diagnostics.every else None,
        across=across,
    )


def write_results(
    folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, outcome: Outcome, catalogue: Catalogue, persistence: float | None,
    wall_seconds: float,
) -> None:  # fmt: skip
    import ray

    from sweep import html_report

    folder.write_parquet("trials.parquet", outcome.trials)
    folder.write_parquet("forecasts.parquet", outcome.forecasts)
    if config.evaluation.baselines:
        folder.write_parquet("baselines.parquet", outcome.baselines)
    folder.write_csv("summary.csv", outcome.summary)
    if outcome.across:
        folder.write_csv("across_series.csv", pd.concat(
            [across_frame(outcome.trials, result.comparison, study, result.friedman_p) for study, result in outcome.across.items()]
        ))  # fmt: skip
        study_pngs, point_pngs, tables = _across_figures(folder, config, outcome), {}, {
            study: across_table(result.comparison, result.scores.columns.name) for study, result in outcome.across.items()
        }  # fmt: skip
    else:
        study_pngs, point_pngs = _series_figures(folder, config, plan, outcome, next(iter(catalogue.series.values())), persistence)
        tables = outcome.single
    facts = html_report.environment(len([node for node in ray.nodes() if node["Alive"]]), wall_seconds)
    notes = {study: friedman_line(result, len(plan.origins)) for study, result in outcome.across.items()}
    page = html_report.render(config, tables, study_pngs, point_pngs, len(plan.points), persistence, facts, catalogue.unit, notes)
    folder.write_bytes("report.html", page.encode())


def _series_figures(folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, outcome: Outcome, loaded, persistence: float | None):
    """One series' figures: box plots and best forecasts per study, diagnostics when asked; (study PNGs, point PNGs)."""
    from sweep import html_report
    from sweep.report import box_plots, diagnostic_curves, median_curves, point_file_name

    metric, series = config.evaluation.metric, loaded.values
    study_pngs: dict[str, dict[str, bytes]] = {study: {} for study in plan.studies}  # each written as it is drawn
    for study in plan.studies:
        for page, figure in enumerate(box_plots(outcome.trials, study, persistence, loaded.unit, metric, outcome.baselines), 1):
            name = f"{study}_boxplot.png" if page == 1 else f"{study}_boxplot-{page}.png"
            study_pngs[study][name] = folder.write_figure(name, figure)
        figure = best_forecasts_figure(outcome, study, series, metric, loaded.unit)
        if figure is not None:
            study_pngs[study][f"{study}_forecasts.png"] = folder.write_figure(f"{study}_forecasts.png", figure)
    point_pngs: dict[str, bytes] = {}
    if config.diagnostics.every:
        rmse_line = persistence_rmse(series, config.data.test_size, config.data.difference_lag)
        folder.write_parquet("history.parquet", outcome.history)
        for study in plan.studies:
            name = f"{study}_diagnostics.png"
            study_pngs[study][name] = folder.write_figure(name, median_curves(outcome.history, study, rmse_line, loaded.unit))
        for point in plan.points:
            name = f"diagnostics/{point_file_name(point)}"
            png = folder.write_figure(name, diagnostic_curves(outcome.history, point, rmse_line, loaded.unit))
            if len(point_pngs) < html_report.POINT_FIGURES_SHOWN:
                point_pngs[name] = png
    return study_pngs, point_pngs


def _across_figures(folder: ResultsFolder, config: SweepConfig, outcome: Outcome) -> dict[str, dict[str, bytes]]:
    """Per study: each method's score over the series (box plot) and the mean ranks with the ties (critical difference)."""
    from sweep.report import rank_figure, series_box_plot

    study_pngs = {}
    for study, result in outcome.across.items():
        box, ranks = f"{study}_series_boxplot.png", f"{study}_ranks.png"
        study_pngs[study] = {
            box: folder.write_figure(box, series_box_plot(result.scores, study, config.evaluation.metric)),
            ranks: folder.write_figure(
                ranks, rank_figure(result.comparison, result.pairwise, study, len(result.scores), result.scores.columns.name)
            ),
        }
    return study_pngs


def friedman_line(result: AcrossSeries, series_count: int) -> str:
    """Friedman's verdict on a study across series, in words."""
    if not np.isfinite(result.friedman_p):
        return f"across {series_count} series; Friedman's test needs three methods with finite scores"
    verdict = "some mean ranks differ" if result.friedman_p < 0.05 else "no mean rank differs significantly"
    return f"across {series_count} series; Friedman's test: p = {result.friedman_p:.3g} ({verdict})"


def best_forecasts_figure(outcome: Outcome, study: str, series, metric: str, unit: str):
    """The study's best configuration and best baseline against the actuals; None without a completed configuration."""
    from sweep.aggregate import baseline_means, best_point
    from sweep.report import forecast_figure

    point = best_point(outcome.trials, study, metric)
    if point is None:
        return None
    means = baseline_means(outcome.baselines, metric)
    best_baseline = means.idxmin() if not means.empty else None
    label = ", ".join(f"{axis} {value}" for axis, value in canonical_point(point).items())
    return forecast_figure(outcome.forecasts, series, point, best_baseline, f"{study}: forecasts of the best, {label}", unit)


SERIES_PRINTED = 30  # more series than this: the series x method table is in summary.csv and across_series.csv only


def print_tables(config: SweepConfig, outcome: Outcome, axis_names: list[str], persistence: float | None, unit: str) -> None:
    from sweep.aggregate import tied_line

    origins = config.evaluation.origins
    where = (
        "" if origins == 1 else f", {origins} origins {config.evaluation.step_for(config.data)} apart ({config.evaluation.window} window)"
    )
    label = metric_label(config.evaluation.metric, unit)
    if outcome.single is not None:
        for study, table in outcome.single.items():
            print(f"\n== study {study}: {label}{where} ==")
            print(table.to_string(float_format=lambda value: f"{value:.2f}") if not table.empty else "(no completed trials)")
            statistics = outcome.single_statistics[study]
            if not statistics.empty:
                print(f"{study}: {tied_line(statistics)}")
    for study, result in outcome.across.items():
        series_count = len(result.scores)
        if series_count <= SERIES_PRINTED:
            print(f"\n== study {study}: mean {label} per series{where} ==")
            print(result.scores.to_string(float_format=lambda value: f"{value:.3f}"))
        print(f"\n== study {study}: {friedman_line(result, series_count)} ==")
        table = across_table(result.comparison, result.scores.columns.name)
        print(table.to_string(float_format=lambda value: f"{value:.3f}"))
    if "race_round" in outcome.trials.columns:
        print(f"\n{race_line(outcome.trials, outcome.summary, axis_names, config)}")
    if config.search.type in ("random", "optuna"):
        print(f"\n{search_line(outcome.trials, axis_names, config)}")
    stopped = outcome.trials.drop_duplicates(["series", *axis_names, "repeat"])["status"].eq("stopped").sum()
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    failed = outcome.baselines[outcome.baselines["status"] == "failed"] if not outcome.baselines.empty else outcome.baselines
    for row in failed.itertuples():
        print(f"\nbaseline {row.baseline} failed on series {row.series!r} at origin {row.origin}: {row.error}")
    if persistence is not None:
        print(f"\npersistence baseline ({persistence_description(config.data.difference_lag)}): test RMSE {persistence:.3f}")


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
    """How many points a search ran, and the one with the lowest `search.objective` of its repeats."""
    from sweep.aggregate import score_column
    from sweep.searching import objective

    completed = trials[trials["status"] == "completed"]
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


def reference_line(config: SweepConfig, catalogue: Catalogue) -> float | None:
    """The persistence RMSE on the protocol's window, drawn where it is comparable: one series, one origin, RMSE."""
    if len(catalogue.series) > 1 or config.evaluation.origins > 1 or config.evaluation.metric != "rmse":
        return None
    return persistence_rmse(next(iter(catalogue.values.values())), config.data.test_size, config.data.difference_lag)
