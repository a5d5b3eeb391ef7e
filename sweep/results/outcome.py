"""What a finished sweep computed (`Outcome`: every frame and table) and how it ended (`Finished`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import pandas as pd

from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from sweep.planning.plan import SweepPlan
from sweep.results.across_series import AcrossSeries, across_series
from sweep.results.decode import DecodedTrial
from sweep.results.ensembles import ensemble_gains, scored_as_ensembles, with_ensembles
from sweep.results.forecast_tables import ForecastSink, forecast_tables
from sweep.results.forecasts import baselines_frame
from sweep.results.history import history_frame
from sweep.results.holdout import chosen_on, holdout_frame
from sweep.results.holdout_across import holdout_across_frame
from sweep.results.per_series import SERIES_PER_TASK, MapTasks, SeriesTables, series_statistics
from sweep.results.summary import summary_by_series
from sweep.results.trials import trials_frame
from sweep.storage.folder import ResultsFolder
from trainables import BaselineForecast


@dataclass(frozen=True)
class Outcome:
    """What a finished sweep computed, ready to write and print."""

    trials: pd.DataFrame
    baselines: pd.DataFrame  # empty without `evaluation.baselines`
    statistics: Mapping[str, dict[str, pd.DataFrame]]  # series -> study -> `study_statistics` (`SeriesStatistics`)
    tables: Mapping[str, dict[str, pd.DataFrame]]  # series -> study -> its describe() table, built when read (`SeriesTables`)
    summary: pd.DataFrame
    history: pd.DataFrame | None  # with diagnostics only
    ensembles: pd.DataFrame  # each configuration's median of k repeats, scored (`ensemble_scores`)
    across: dict[str, AcrossSeries]  # study -> its comparison across series; empty with one series
    confirmation: pd.DataFrame | None = None  # with `search.confirm`: selection against confirmation means
    by_step: pd.DataFrame | None = None  # with `evaluation.horizon` > 1: each method's mean metric at each step (`by_step_table`)
    interval_scores: pd.DataFrame | None = None  # with `evaluation.levels`: coverage, MSIS, CRPS per method
    coverage: pd.DataFrame | None = None  # with `evaluation.levels`: coverage per method, level, step and origin (`coverage_table`)
    reliability: pd.DataFrame | None = None  # with `evaluation.levels`: coverage per method at nominal levels 50-95 (`reliability_table`)
    holdout: pd.DataFrame | None = None  # with `evaluation.holdout`: the choices and baselines on the held-out origins
    holdout_across: pd.DataFrame | None = None  # and several series: each study's one choice across them, judged there
    one_step: pd.DataFrame | None = None  # a single series' walk-forward forecasts (h = 1), for its figure

    def confirmed(self, confirmation: pd.DataFrame) -> Outcome:
        return replace(self, confirmation=confirmation)

    def repeats_with_status(self, status: str, axis_names: list[str]) -> int:
        """Repeats (of a point on a series, counted once over studies and origins) that ended with `status`."""
        return int(self.trials.drop_duplicates(["series", *axis_names, "repeat"])["status"].eq(status).sum())

    @cached_property  # built when first read (`SeriesTables`), then kept: every report reads them
    def single(self) -> dict[str, pd.DataFrame] | None:
        """The one series' tables (study -> table), or None when there are several series."""
        return next(iter(self.tables.values())) if len(self.tables) == 1 else None

    @cached_property
    def single_statistics(self) -> dict[str, pd.DataFrame] | None:
        """The one series' `study_statistics` (study -> frame), or None when there are several series."""
        return next(iter(self.statistics.values())) if len(self.statistics) == 1 else None


def summarize_sweep(
    config: SweepConfig, plan: SweepPlan, trials_run: list[DecodedTrial], catalogue: Catalogue,
    baseline_forecasts: list[tuple[str, BaselineForecast]], sink: ForecastSink, series_per_chunk: int | None = None,
    map_tasks: MapTasks | None = None, series_per_task: int = SERIES_PER_TASK,
) -> Outcome:  # fmt: skip
    """Every table of a finished sweep; its forecasts and intervals go to `sink` a chunk of series at a time
    (`sweep.results.forecast_tables`), a large catalogue's statistics computed through `map_tasks` (`series_statistics`)."""
    metric, season = config.evaluation.metric, config.evaluation.season_for(config.data)
    baselines = baselines_frame(
        baseline_forecasts, plan, catalogue.values, season, config.evaluation.horizon, config.evaluation.levels
    )  # fmt: skip
    trials = trials_frame(trials_run, plan, race=config.search.type == "race")
    computed = forecast_tables(config, plan, trials_run, trials, catalogue, baseline_forecasts, sink, series_per_chunk)
    ensembles = computed.ensembles
    scored = scored_as_ensembles(trials, ensembles, metric) if config.evaluation.score == "ensemble" else trials
    selection = config.evaluation.selection_origins  # decisions read these origins only (`evaluation.holdout`)
    chosen_trials, chosen_baselines = chosen_on(scored, selection), chosen_on(baselines, selection)
    statistics = series_statistics(
        chosen_trials, chosen_baselines, list(plan.origins), list(plan.studies), metric, map_tasks, series_per_task
    )
    summary = summary_by_series(chosen_trials, statistics.frame, list(plan.studies), metric, chosen_baselines)
    across = (
        {study: across_series(chosen_trials, chosen_baselines, study, metric) for study in plan.studies} if len(plan.origins) > 1 else {}
    )
    holdout = holdout_frame(scored, baselines, statistics, metric, selection) if config.evaluation.holdout else None
    holdout_across = None
    if config.evaluation.holdout and across:
        ensembled = scored if config.evaluation.score == "ensemble" else scored_as_ensembles(trials, ensembles, metric)
        holdout_across = holdout_across_frame(trials, ensembled, baselines, plan.studies, metric, selection)
    gains = ensemble_gains(chosen_on(ensembles, selection), plan.axis_names, metric)
    tables = SeriesTables(chosen_trials, chosen_baselines, statistics, gains, trials, metric)
    return Outcome(
        trials=trials,
        by_step=computed.by_step,
        interval_scores=computed.interval_scores,
        coverage=computed.coverage,
        reliability=computed.reliability,
        one_step=computed.one_step,
        baselines=baselines,
        statistics=statistics,
        tables=tables,
        summary=with_ensembles(summary, gains, plan.axis_names),
        history=history_frame(trials_run, plan) if config.diagnostics.every else None,
        ensembles=ensembles,
        across=across,
        holdout=holdout,
        holdout_across=holdout_across,
    )


@dataclass(frozen=True)
class Finished:
    """How a sweep ended: what it computed and where, or how many trials an interruption left unfinished."""

    folder: ResultsFolder
    plan: SweepPlan
    config: SweepConfig  # as it ran: its season settled (`sweep.planning.season`)
    outcome: Outcome | None = None  # None when interrupted before the sweep's own trials finished
    persistence: float | None = None  # the protocol's persistence RMSE, where comparable (`reference_line`)
    unfinished: int = 0  # trials an interruption left; a resume runs them
    while_confirming: bool = False  # interrupted during `search.confirm`'s run, after the sweep's results were written
    wall_seconds: float = 0.0
    lost_nodes: tuple[str, ...] = ()  # nodes that left the cluster while its trials ran (`sweep.execution.failures`)
