"""Everything computed from the kept forecasts, a chunk of series at a time, so that the driver never holds a sweep's
forecasts whole: each chunk's forecasts (and intervals) go to storage as they are built, and the tables that summarise
them (ensembles, scores by step, intervals, coverage, reliability) are each chunk's rows, or its sums and counts added up.

Chunking changes no number a user reads but in the last digits of two means: ensembles and intervals are per series,
coverage and reliability are counts, and the by-step and interval tables' means are sums over chunks over counts
(equal to one mean over every forecast up to the order of summation). forecasts.parquet's and intervals.parquet's
rows come chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd

from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from sweep.planning.plan import SweepPlan
from sweep.results.coverage import RELIABILITY_LEVELS, coverage_counts, coverage_from_counts, reliability_counts, reliability_from_counts
from sweep.results.decode import DecodedTrial
from sweep.results.ensembles import ensemble_scores, no_ensembles
from sweep.results.forecasts import forecasts_frame
from sweep.results.horizons import by_step_table, step_metric, step_scores, step_sums, varying_by_study
from sweep.results.intervals import conformal_intervals, hi, interval_means, interval_sums, lo, model_intervals
from trainables import BaselineForecast, error_scales

FORECASTS_PER_CHUNK = 1_000_000  # at most about this many forecasts held at once (~500 bytes each at their peak), in whole series


@dataclass(frozen=True)
class ForecastSink:
    """Where each chunk's frames go as they are built: forecasts.parquet and intervals.parquet's streams."""

    forecasts: Callable[[pd.DataFrame], None]
    intervals: Callable[[pd.DataFrame], None]


@dataclass(frozen=True)
class ForecastTables:
    """What the sweep's tables and figures need from its forecasts, which went to storage."""

    ensembles: pd.DataFrame  # `ensemble_scores`
    one_step: pd.DataFrame | None  # a single series' walk-forward forecasts (h = 1), for its figure; None for several
    by_step: pd.DataFrame | None = None  # with `evaluation.horizon` > 1 (`by_step_table`)
    interval_scores: pd.DataFrame | None = None  # with `evaluation.levels` (`interval_table`)
    coverage: pd.DataFrame | None = None  # with `evaluation.levels` (`coverage_table`)
    reliability: pd.DataFrame | None = None  # with `evaluation.levels` (`reliability_table`)


def forecast_tables(
    config: SweepConfig, plan: SweepPlan, decoded: list[DecodedTrial], trials: pd.DataFrame, catalogue: Catalogue,
    baselines: list[tuple[str, BaselineForecast]], sink: ForecastSink, series_per_chunk: int | None = None,
) -> ForecastTables:  # fmt: skip
    """Each chunk of series' forecasts built, written and summarised; then the summaries put together. `trials`: the
    trials frame (the repeats each configuration completed, and which axes each study varies); `series_per_chunk`:
    default `chunk_size`'s."""
    season, metric = config.evaluation.season_for(config.data), config.evaluation.metric
    series_per_chunk = series_per_chunk or chunk_size(config, plan, trials)
    completed = trials.loc[trials["status"] == "completed", ["study", *plan.axis_names]].drop_duplicates()
    varying = varying_by_study(completed, plan.axis_names)  # the whole sweep's, so that no label depends on a chunk
    ensembles, step_parts, interval_parts, one_step = [], [], [], None
    for names in _chunks(plan, series_per_chunk):
        forecasts = forecasts_frame(decoded, plan, catalogue, baselines, config.evaluation.horizon, names, varying)
        sink.forecasts(forecasts)
        if forecasts.empty:
            continue
        own_trials = trials[trials["series"].isin(names)]  # the repeats each configuration completed on these series
        ensembles.append(ensemble_scores(forecasts, plan, catalogue.values, season, metric, own_trials))
        if config.evaluation.horizon > 1:
            step_parts.append(
                step_sums(step_scores(forecasts, plan, catalogue.values, season, step_metric(metric), varying), step_metric(metric))
            )
        if config.evaluation.levels:
            interval_parts.append(_interval_counts(config, plan, forecasts, catalogue, varying, sink))
        if len(plan.origins) == 1:
            one_step = forecasts[forecasts["h"] == 1]
    ensembles = [frame for frame in ensembles if not frame.empty]  # a chunk of baselines alone scores no ensemble
    keys = ["series", "study", *plan.axis_names, "origin"]  # each chunk's rows in `ensemble_scores`' order, and the chunks too
    return ForecastTables(
        ensembles=pd.concat(ensembles).sort_values(keys, kind="stable", ignore_index=True) if ensembles else no_ensembles(plan, metric),
        one_step=one_step,
        by_step=by_step_table(pd.concat(step_parts, ignore_index=True), step_metric(metric)) if step_parts else None,
        **(_interval_tables(interval_parts) if interval_parts else {}),
    )


def chunk_size(config: SweepConfig, plan: SweepPlan, trials: pd.DataFrame) -> int:
    """Series per chunk: as many as keep a chunk's forecasts under `FORECASTS_PER_CHUNK` (each series' windows, the
    trials frame's rows, hold at most test_size x horizon forecasts each), at least one."""
    windows_per_series = trials.shape[0] / max(len(plan.origins), 1)
    per_series = max(windows_per_series * config.data.test_size * config.evaluation.horizon, 1)
    return max(1, int(FORECASTS_PER_CHUNK // per_series))


def _chunks(plan: SweepPlan, size: int) -> Iterator[set[str]]:
    """The sweep's series, `size` at a time, in the order trials group them: a trial's forecasts are read once per chunk
    it has series in (once where its group lies within a chunk, as 8 series in 64 do)."""
    names = [name for group in plan.series_groups for name in group]
    for start in range(0, len(names), size):
        yield set(names[start : start + size])


def _interval_counts(
    config: SweepConfig, plan: SweepPlan, forecasts: pd.DataFrame, catalogue: Catalogue, varying: dict[str, list[str]], sink: ForecastSink
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """A chunk's intervals at the sweep's levels, written; their `interval_sums`, `coverage_counts` and `reliability_counts`."""
    season, levels = config.evaluation.season_for(config.data), config.evaluation.levels
    names = forecasts["unique_id"].unique()
    scales = {name: error_scales(catalogue.values[name], season) for name in names}
    checked = sorted({*levels, *RELIABILITY_LEVELS})  # one calibration pass: sorting the known errors is its cost
    calibrated = conformal_intervals(forecasts, plan.axis_names, checked, scales, varying)
    if "model" in config.evaluation.intervals:
        calibrated = pd.concat([calibrated, model_intervals(forecasts, checked)], ignore_index=True)  # `sd`: empty for conformal
        calibrated["calibration"] = calibrated["calibration"].astype("Int64")
    intervals = calibrated.drop(columns=[column for level in checked if level not in levels for column in (lo(level), hi(level))])
    sink.intervals(intervals.drop(columns="members"))
    return (
        interval_sums(intervals, plan, catalogue.values, season, levels),
        coverage_counts(intervals, levels),
        reliability_counts(calibrated, checked),
    )


def _interval_tables(parts: list[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    sums, coverage, reliability = zip(*parts)
    return {
        "interval_scores": interval_means(pd.concat(sums)),
        "coverage": coverage_from_counts(pd.concat(coverage, ignore_index=True)),
        "reliability": reliability_from_counts(pd.concat(reliability, ignore_index=True)),
    }
