"""Each series' statistics and describe() tables, for a catalogue of thousands of series.

A frame per series and study held ~70 KB of driver memory each (0.7 GB at 10,000 series, more for the tables and summary
pieces beside them): the statistics are computed a series at a time but kept as one frame, and the tables, which only
a reader of one series asks for, are built when read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sweep.data.grouping import rows_of_each
from sweep.results.columns import varying_axes
from sweep.results.ensembles import with_ensemble_rows
from sweep.results.summary import study_statistics, study_table

SERIES_PER_JOIN = 256  # series whose statistics frames are joined into one before the next: bounds the small frames held
SERIES_PER_TASK = 500  # a catalogue of more series has its statistics computed in tasks of this many (`series_statistics`)
MapTasks = Callable[[Callable, list], list]  # (function, items) -> [function(item) for item in items], maybe in parallel


class SeriesStatistics(Mapping[str, dict[str, pd.DataFrame]]):
    """series -> study -> its `study_statistics` (empty where nothing completed), read from one frame of every series'."""

    def __init__(self, frame: pd.DataFrame, series: list[str], studies: list[str]):
        self.frame, self.series, self.studies = frame, series, studies
        self._known = set(series)
        self._rows = frame.groupby(["series", "study"], sort=False).indices if not frame.empty else {}

    def __getitem__(self, series: str) -> dict[str, pd.DataFrame]:
        if series not in self._known:
            raise KeyError(series)
        return {study: self._of(series, study) for study in self.studies}

    def __iter__(self) -> Iterator[str]:
        return iter(self.series)

    def __len__(self) -> int:
        return len(self.series)

    def _of(self, series: str, study: str) -> pd.DataFrame:
        rows = self._rows.get((series, study))
        return pd.DataFrame() if rows is None else self.frame.iloc[rows].drop(columns=["series", "study"])


@dataclass(frozen=True)
class StatisticsTask:
    """Some series' trial and baseline rows: their statistics are computed together, in the driver or in a task."""

    trials: pd.DataFrame
    baselines: pd.DataFrame
    series: list[str]
    studies: list[str]
    metric: str


def statistics_of(task: StatisticsTask) -> pd.DataFrame:
    """Every `study_statistics` of the task's series, in one frame with `series` and `study` columns."""
    trial_rows, baseline_rows = rows_of_each(task.trials["series"]), rows_of_each(task.baselines["series"])
    joined, pending = [], []
    for name in task.series:
        own, own_baselines = task.trials.take(trial_rows.get(name, [])), task.baselines.take(baseline_rows.get(name, []))
        for study in task.studies:
            frame = study_statistics(own, study, task.metric, own_baselines)
            if not frame.empty:
                pending.append(frame.assign(series=name, study=study))
        if len(pending) >= SERIES_PER_JOIN:
            joined, pending = [pd.concat([*joined, *pending])], []
    frames = [*joined, *pending]
    return pd.concat(frames) if frames else pd.DataFrame()


def series_statistics(
    trials: pd.DataFrame, baselines: pd.DataFrame, series: list[str], studies: list[str], metric: str,
    map_tasks: MapTasks | None = None, series_per_task: int = SERIES_PER_TASK,
) -> SeriesStatistics:  # fmt: skip
    """Every series' `study_statistics` of every study, each from its own rows; with more than `series_per_task` series,
    computed in tasks of that many series through `map_tasks` (Ray tasks over the cluster's CPUs: 10,000 series cost
    about 30 ms each, and a cluster has far more cores than its driver)."""
    batches = [series[start : start + series_per_task] for start in range(0, len(series), series_per_task)]
    if len(batches) <= 1 or map_tasks is None:
        frames = [statistics_of(StatisticsTask(trials, baselines, series, studies, metric))]
    else:
        trial_rows, baseline_rows = rows_of_each(trials["series"]), rows_of_each(baselines["series"])

        def task(names: list[str]) -> StatisticsTask:
            def rows(of: dict) -> np.ndarray:
                return np.concatenate([of.get(name, np.empty(0, int)) for name in names])

            return StatisticsTask(trials.take(rows(trial_rows)), baselines.take(rows(baseline_rows)), names, studies, metric)

        frames = map_tasks(statistics_of, [task(names) for names in batches])
    frames = [frame for frame in frames if not frame.empty]
    return SeriesStatistics(pd.concat(frames) if frames else pd.DataFrame(), series, studies)


class SeriesTables(Mapping[str, dict[str, pd.DataFrame]]):
    """series -> study -> its describe() table (`study_table`) with its ensemble rows, built when read.

    `trials` and `baselines` are the rows decisions read (`chosen_on`); `members` every trial row, whose varying axes
    label the ensemble rows."""

    def __init__(
        self, trials: pd.DataFrame, baselines: pd.DataFrame, statistics: SeriesStatistics, gains: pd.DataFrame, members: pd.DataFrame,
        metric: str,
    ):  # fmt: skip
        self.trials, self.baselines, self.statistics, self.metric = trials, baselines, statistics, metric
        self.gains, self.members = gains, members
        self._trial_rows, self._baseline_rows = rows_of_each(trials["series"]), rows_of_each(baselines["series"])
        self._gain_rows, self._member_rows = rows_of_each(gains["series"]) if not gains.empty else {}, rows_of_each(members["series"])

    def __getitem__(self, series: str) -> dict[str, pd.DataFrame]:
        statistics = self.statistics[series]
        own, own_baselines = self.trials.take(self._trial_rows.get(series, [])), self.baselines.take(self._baseline_rows.get(series, []))
        gains, members = self.gains.take(self._gain_rows.get(series, [])), self.members.take(self._member_rows.get(series, []))
        tables = {}
        for study, frame in statistics.items():
            table = study_table(own, study, frame, self.metric, own_baselines)
            study_gains = gains[gains["study"] == study] if not gains.empty else gains
            tables[study] = with_ensemble_rows(table, study_gains, varying_axes(members[members["study"] == study]))
        return tables

    def __iter__(self) -> Iterator[str]:
        return iter(self.statistics)

    def __len__(self) -> int:
        return len(self.statistics)


class TablesByName(Mapping[str, pd.DataFrame]):
    """ "series/study" -> that series' table of that study, built when read: a catalogue's tables as one mapping."""

    def __init__(self, tables: Mapping[str, dict[str, pd.DataFrame]], studies: list[str]):
        self.tables = tables
        self._named = {f"{series}/{study}": (series, study) for series in tables for study in studies}

    def __getitem__(self, name: str) -> pd.DataFrame:
        series, study = self._named[name]
        return self.tables[series][study]

    def __iter__(self) -> Iterator[str]:
        return iter(self._named)

    def __len__(self) -> int:
        return len(self._named)
