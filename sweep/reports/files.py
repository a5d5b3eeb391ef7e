"""What a finished sweep computed, written as files: Parquet, CSV, PNG and one HTML report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from sweep.data.dates import timestamps
from sweep.planning.plan import SweepPlan
from sweep.reports.console import friedman_line
from sweep.reports.figures import (
    box_plots,
    by_step_figure,
    diagnostic_curves,
    fan_chart,
    forecast_figure,
    median_curves,
    point_file_name,
    rank_figure,
    reliability_figure,
    series_box_plot,
)
from sweep.reports.html import POINT_FIGURES_SHOWN, environment, render, with_forecast
from sweep.reports.verdict import study_verdicts
from sweep.results.across_series import across_frame, across_table
from sweep.results.coverage import coverage_by_step
from sweep.results.forecast_tables import ForecastSink
from sweep.results.horizons import step_metric
from sweep.results.outcome import Outcome
from sweep.results.summary import baseline_means, lowest_mean_point
from sweep.storage.folder import ResultsFolder
from sweep.storage.layout import (
    ACROSS_SERIES_FILE,
    BASELINES_FILE,
    BY_STEP_FIGURE,
    BY_STEP_FILE,
    COVERAGE_FILE,
    DIAGNOSTICS_FOLDER,
    ENSEMBLES_FILE,
    FAN_CHART_SUFFIX,
    FORECAST_FILE,
    FORECAST_REPEATS_FILE,
    FORECASTS_FILE,
    HISTORY_FILE,
    HOLDOUT_ACROSS_FILE,
    HOLDOUT_FILE,
    INTERVAL_SCORES_FILE,
    INTERVALS_FILE,
    MANIFEST_FILE,
    RELIABILITY_FIGURE,
    REPORT_FILE,
    SUMMARY_FILE,
    TRIALS_FILE,
)
from trainables import persistence_rmse, point_words


def write_results(
    folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, outcome: Outcome, catalogue: Catalogue, persistence: float | None,
    wall_seconds: float, node_count: int,
) -> None:  # fmt: skip
    """Every output file of a finished sweep but those `forecast_sink` streamed (`write_manifest` marks them complete);
    `node_count`: the Ray nodes it ran on, for the report's environment table."""
    folder.write_parquet(TRIALS_FILE, outcome.trials)
    if config.evaluation.baselines:
        folder.write_parquet(BASELINES_FILE, outcome.baselines)
    folder.write_csv(SUMMARY_FILE, outcome.summary)
    folder.write_csv(ENSEMBLES_FILE, outcome.ensembles)
    if outcome.holdout is not None:
        folder.write_csv(HOLDOUT_FILE, outcome.holdout)
    if outcome.holdout_across is not None:
        folder.write_csv(HOLDOUT_ACROSS_FILE, outcome.holdout_across)
    if outcome.by_step is not None:
        folder.write_csv(BY_STEP_FILE, outcome.by_step.reset_index())
    if outcome.interval_scores is not None:
        folder.write_csv(INTERVAL_SCORES_FILE, outcome.interval_scores.reset_index())
        folder.write_csv(COVERAGE_FILE, outcome.coverage)
    if outcome.across:
        folder.write_csv(ACROSS_SERIES_FILE, pd.concat(
            [across_frame(outcome.trials, result.comparison, study, result.friedman_p) for study, result in outcome.across.items()]
        ))  # fmt: skip
        study_pngs, point_pngs, tables = _across_figures(folder, config, outcome), {}, {
            study: across_table(result.comparison, result.scores.columns.name) for study, result in outcome.across.items()
        }  # fmt: skip
    else:
        study_pngs, point_pngs = _series_figures(folder, config, plan, outcome, next(iter(catalogue.series.values())), persistence)
        tables = outcome.single
    if outcome.by_step is not None:
        figure = by_step_figure(outcome.by_step, step_metric(config.evaluation.metric), catalogue.unit)
        study_pngs[next(iter(study_pngs))][BY_STEP_FIGURE] = folder.write_figure(BY_STEP_FIGURE, figure)
    if outcome.reliability is not None:
        figure = reliability_figure(outcome.reliability)
        study_pngs[next(iter(study_pngs))][RELIABILITY_FIGURE] = folder.write_figure(RELIABILITY_FIGURE, figure)
    facts = environment(node_count, wall_seconds)
    notes = {study: friedman_line(result, len(plan.origins)) for study, result in outcome.across.items()}
    page = render(config, tables, study_pngs, point_pngs, len(plan.points), persistence, facts, catalogue.unit, notes,
                  study_verdicts(outcome, config.evaluation.metric), _sweep_tables(config, outcome))  # fmt: skip
    folder.write_bytes(REPORT_FILE, page.encode())


@contextmanager
def forecast_sink(folder: ResultsFolder) -> Iterator[ForecastSink]:
    """forecasts.parquet's and intervals.parquet's streams while a sweep is summarised (`summarize_sweep`), complete when
    the block ends; first the manifest goes: a resumed sweep's earlier results are incomplete until written again."""
    folder.delete(MANIFEST_FILE)
    with folder.parquet_stream(FORECASTS_FILE) as forecasts, folder.parquet_stream(INTERVALS_FILE) as intervals:
        yield ForecastSink(forecasts.write, intervals.write)


def _sweep_tables(config: SweepConfig, outcome: Outcome) -> dict[str, pd.DataFrame]:
    """The tables the console prints beside the studies': the held-out scores, the intervals' and the metric by step."""
    tables = {}
    if outcome.holdout is not None:
        held = config.evaluation.holdout
        tables[f"Held out: the last {held} origins chose nothing; the choices and the baselines there ({HOLDOUT_FILE})"] = (
            outcome.holdout.set_index(["series", "study", "method"])
        )
    if outcome.holdout_across is not None:
        tables[f"Held out, across series: each study's one choice, its ensemble and the baselines ({HOLDOUT_ACROSS_FILE})"] = (
            outcome.holdout_across.set_index(["study", "method"])
        )
    if outcome.interval_scores is not None:
        tables[f"Intervals at {', '.join(f'{level:g}%' for level in config.evaluation.levels)} (per method)"] = outcome.interval_scores
    if outcome.coverage is not None:
        tables["Coverage by horizon step (%; per origin, with 95% intervals: coverage.csv)"] = coverage_by_step(outcome.coverage)
    if outcome.by_step is not None:
        tables[f"Test {step_metric(config.evaluation.metric).upper()} by horizon step"] = outcome.by_step
    return tables


def write_manifest(folder: ResultsFolder) -> None:
    """manifest.json, written after every other result file, naming them with their sizes: results without one are
    incomplete (their writing stopped: a full disk, a store that stopped answering), and no reader takes them."""
    folder.write_bytes(MANIFEST_FILE, json.dumps({"files": folder.result_files()}, indent=1).encode())


def _series_figures(folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, outcome: Outcome, loaded, persistence: float | None):
    """One series' figures: box plots and best forecasts per study, diagnostics when asked; (study PNGs, point PNGs)."""
    metric, series = config.evaluation.metric, loaded.values
    study_pngs: dict[str, dict[str, bytes]] = {study: {} for study in plan.studies}  # each written as it is drawn
    for study in plan.studies:
        for page, figure in enumerate(box_plots(outcome.trials, study, persistence, loaded.unit, metric, outcome.baselines), 1):
            name = f"{study}_boxplot.png" if page == 1 else f"{study}_boxplot-{page}.png"
            study_pngs[study][name] = folder.write_figure(name, figure)
        figure = best_forecasts_figure(outcome, study, series, metric, loaded.unit, timestamps(loaded.dates) if loaded.dates else None)
        if figure is not None:
            study_pngs[study][f"{study}_forecasts.png"] = folder.write_figure(f"{study}_forecasts.png", figure)
    point_pngs: dict[str, bytes] = {}
    if config.diagnostics.every:
        rmse_line = persistence_rmse(series, config.data.test_size, config.data.difference_lag)
        folder.write_parquet(HISTORY_FILE, outcome.history)
        for study in plan.studies:
            name = f"{study}_diagnostics.png"
            study_pngs[study][name] = folder.write_figure(name, median_curves(outcome.history, study, rmse_line, loaded.unit))
        for point in plan.points:
            name = f"{DIAGNOSTICS_FOLDER}/{point_file_name(point)}"
            png = folder.write_figure(name, diagnostic_curves(outcome.history, point, rmse_line, loaded.unit))
            if len(point_pngs) < POINT_FIGURES_SHOWN:
                point_pngs[name] = png
    return study_pngs, point_pngs


def _across_figures(folder: ResultsFolder, config: SweepConfig, outcome: Outcome) -> dict[str, dict[str, bytes]]:
    """Per study: each method's score over the series (box plot) and the mean ranks with the ties (critical difference)."""
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


def best_forecasts_figure(outcome: Outcome, study: str, series, metric: str, unit: str, dates=None):
    """The study's best configuration and best baseline against the actuals; None without a completed configuration."""
    point = lowest_mean_point(outcome.trials, study, metric)
    if point is None or outcome.one_step is None:
        return None
    means = baseline_means(outcome.baselines, metric)
    best_baseline = means.idxmin() if not means.empty else None
    label = point_words(point)
    return forecast_figure(outcome.one_step, series, point, best_baseline, f"{study}: forecasts of the best, {label}", unit, dates)


def write_forecast(folder: ResultsFolder, forecast, catalogue) -> None:
    """forecast.csv, and for H steps or intervals every repeat's forecasts and a fan chart per series, also added to the
    sweep's report.html."""
    folder.write_csv(FORECAST_FILE, forecast.frame)
    written = [FORECAST_FILE]
    if forecast.repeats is not None:
        folder.write_csv(FORECAST_REPEATS_FILE, forecast.repeats)
        written.append(FORECAST_REPEATS_FILE)
        charts = {}
        for ahead in forecast.ahead:
            name = f"{ahead.series}{FAN_CHART_SUFFIX}"
            series = catalogue.series[ahead.series]
            dates = timestamps(series.dates) if series.dates else None
            charts[name] = folder.write_figure(name, fan_chart(series.values, ahead, catalogue.unit, dates=dates))
            written.append(name)
        if folder.exists(REPORT_FILE):
            folder.write_bytes(REPORT_FILE, with_forecast(folder.read_text(REPORT_FILE), charts, forecast.lines[0]).encode())
            written.append(f"{REPORT_FILE} (the fan charts added)")
    print(f"written to {folder}/{FORECAST_FILE}" if len(written) == 1 else f"written to {folder}: {', '.join(written)}")
