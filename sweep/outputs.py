"""What a finished sweep computed, written as files (Parquet, CSV, PNG, HTML) and printed as tables."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    statistics: dict[str, pd.DataFrame]
    tables: dict[str, pd.DataFrame]
    summary: pd.DataFrame
    history: pd.DataFrame | None  # with diagnostics only


def summarize_sweep(config: SweepConfig, plan: SweepPlan, results, series: np.ndarray, dates, baseline_forecasts: list) -> Outcome:
    from sweep.aggregate import study_statistics, study_table, summarize, trials_frame
    from sweep.backtests import baselines_frame, forecasts_frame
    from sweep.history import history_frame

    metric = config.evaluation.metric
    baselines = baselines_frame(baseline_forecasts, plan, series, config.evaluation.season_for(config.data))
    trials = trials_frame(results, plan, config)
    statistics = {study: study_statistics(trials, study, metric, baselines) for study in plan.studies}
    return Outcome(
        trials=trials,
        forecasts=forecasts_frame(results, plan, series, dates, baseline_forecasts),
        baselines=baselines,
        statistics=statistics,
        tables={study: study_table(trials, study, statistics[study], metric, baselines) for study in plan.studies},
        summary=summarize(trials, statistics, metric, baselines),
        history=history_frame(results, plan) if config.diagnostics.every else None,
    )


def write_results(
    folder: ResultsFolder, config: SweepConfig, plan: SweepPlan, outcome: Outcome, series, persistence: float | None, unit: str,
    wall_seconds: float,
) -> None:  # fmt: skip
    import ray

    from sweep import html_report
    from sweep.report import box_plots, diagnostic_curves, median_curves, point_file_name

    metric = config.evaluation.metric
    folder.write_parquet("trials.parquet", outcome.trials)
    folder.write_parquet("forecasts.parquet", outcome.forecasts)
    if config.evaluation.baselines:
        folder.write_parquet("baselines.parquet", outcome.baselines)
    folder.write_csv("summary.csv", outcome.summary)
    study_pngs: dict[str, dict[str, bytes]] = {study: {} for study in plan.studies}  # each written as it is drawn
    for study in plan.studies:
        for page, figure in enumerate(box_plots(outcome.trials, study, persistence, unit, metric, outcome.baselines), 1):
            name = f"{study}_boxplot.png" if page == 1 else f"{study}_boxplot-{page}.png"
            study_pngs[study][name] = folder.write_figure(name, figure)
        figure = best_forecasts_figure(outcome, study, series, metric, unit)
        if figure is not None:
            study_pngs[study][f"{study}_forecasts.png"] = folder.write_figure(f"{study}_forecasts.png", figure)
    point_pngs: dict[str, bytes] = {}
    if config.diagnostics.every:
        rmse_line = persistence_rmse(series, config.data.test_size, config.data.difference_lag)
        folder.write_parquet("history.parquet", outcome.history)
        for study in plan.studies:
            name = f"{study}_diagnostics.png"
            study_pngs[study][name] = folder.write_figure(name, median_curves(outcome.history, study, rmse_line, unit))
        for point in plan.points:
            name = f"diagnostics/{point_file_name(point)}"
            png = folder.write_figure(name, diagnostic_curves(outcome.history, point, rmse_line, unit))
            if len(point_pngs) < html_report.POINT_FIGURES_SHOWN:
                point_pngs[name] = png
    facts = html_report.environment(len([node for node in ray.nodes() if node["Alive"]]), wall_seconds)
    page = html_report.render(config, outcome.tables, study_pngs, point_pngs, len(plan.points), persistence, facts, unit)
    folder.write_bytes("report.html", page.encode())


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


def print_tables(config: SweepConfig, outcome: Outcome, axis_names: list[str], persistence: float | None, unit: str) -> None:
    origins = config.evaluation.origins
    where = (
        "" if origins == 1 else f", {origins} origins {config.evaluation.step_for(config.data)} apart ({config.evaluation.window} window)"
    )
    for study, table in outcome.tables.items():
        print(f"\n== study {study}: {metric_label(config.evaluation.metric, unit)}{where} ==")
        print(table.to_string(float_format=lambda value: f"{value:.2f}") if not table.empty else "(no completed trials)")
    stopped = outcome.trials.drop_duplicates([*axis_names, "repeat"])["status"].eq("stopped").sum()
    if stopped:
        print(f"\n{stopped} repeats were stopped early by the scheduler; the tables hold completed ones only")
    failed = outcome.baselines[outcome.baselines["status"] == "failed"] if not outcome.baselines.empty else outcome.baselines
    for row in failed.itertuples():
        print(f"\nbaseline {row.baseline} failed at origin {row.origin}: {row.error}")
    if persistence is not None:
        print(f"\npersistence baseline ({persistence_description(config.data.difference_lag)}): test RMSE {persistence:.3f}")


def reference_line(config: SweepConfig, series: np.ndarray) -> float | None:
    """The persistence RMSE on the protocol's window, drawn where it is comparable: one origin, RMSE."""
    if config.evaluation.origins > 1 or config.evaluation.metric != "rmse":
        return None
    return persistence_rmse(series, config.data.test_size, config.data.difference_lag)
