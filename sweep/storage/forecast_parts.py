"""Each trial's repeats (their scores and forecasts) as its own Parquet part, written where the trial ran, so that they
never travel inside Tune's metrics: Tune keeps every trial's last report in the driver, saves it in its experiment
state and result.json, and reads all of them back after the run. The report carries the repeats' means alone.

A part is `<experiment>/forecasts/<trial id>.parquet`: one row per (series, repeat, origin) with its scores and its
forecasts as a list, in the report's order, written at once through the sweep's filesystem (a local folder's
publishes it by rename, an object store by one upload), so a reader sees all of it or none of it, and a retried or
resumed trial (the same id) replaces its part. With a local folder only a trial on the driver's node writes one
(another node's disk is not the driver's); a trial that writes none (another node, a full disk) carries its repeats in
its report. A part written before scores were published holds the forecasts alone (its report carries the scores).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from sweep.storage.publishing import open_for_writing
from trainables import FinalReport, RepeatScores, trial_id

PARTS_FOLDER = "forecasts"
_KEYS = ["series", "repeat", "origin"]  # a row's identity
WINDOW_KEYS = [*_KEYS, "test_start"]  # a forecast window's identity and place in its series
_FORECASTS = "forecasts"
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}  # RepeatScores' field types, as annotated
_SCORES = [(item.name, _ARROW_TYPES[item.type]) for item in fields(RepeatScores) if item.name != _FORECASTS]
PART_SCHEMA = pa.schema([*_SCORES, (_FORECASTS, pa.list_(pa.float64()))])


@dataclass(frozen=True)
class ForecastParts:
    """Where a Tune experiment's trials publish their repeats; sent to every trial with its series."""

    filesystem: pafs.FileSystem
    experiment: str  # Tune's experiment folder on `filesystem`
    driver_node: str | None  # a local folder: the one node whose parts the driver can read; None (object store): any node

    def path(self, trial_id: str) -> str:
        return f"{self.experiment}/{PARTS_FOLDER}/{trial_id}.parquet"

    def publish(self, trial_id: str, final: FinalReport) -> bool:
        """Write the trial's repeats as its part; False (nothing written) on a node whose disk the driver cannot read, or
        when the write fails."""
        if self.driver_node is not None and final.node_id != self.driver_node:
            return False
        table = pa.Table.from_pylist([asdict(row) for row in final.repeats], schema=PART_SCHEMA)
        try:
            with open_for_writing(self.filesystem, self.path(trial_id)) as stream:
                pq.write_table(table, stream)
        except OSError:  # a full or read-only disk: the repeats travel in the report instead, nothing is lost
            return False
        return True

    def final_report(self, metrics: Mapping[str, Any]) -> FinalReport | None:
        """The final report a trial's last metrics hold, its repeats read back from its part when it published them (what
        a searcher compares); None if it made none."""
        final = FinalReport.from_metrics(metrics)
        return final.with_repeats(self.scores(trial_id(metrics))) if final is not None and final.scores_published else final

    def scores(self, trial_id: str) -> list[RepeatScores]:
        """A published trial's repeats without their forecasts, in its report's order."""
        table = self._read(trial_id, [name for name, _ in _SCORES])
        return [RepeatScores(**row) for row in table.to_pylist()]

    def windows(self, trial_id: str) -> tuple[list[tuple], np.ndarray, np.ndarray]:
        """A part's windows, each (series, repeat, origin, test_start), and their forecasts in the same order: one flat
        array, and each window's count of them; as arrays, never one Python float per forecast."""
        table = self._read(trial_id, [*WINDOW_KEYS, _FORECASTS])
        return list(zip(*(table[key].to_pylist() for key in WINDOW_KEYS))), *_flattened(table)

    def forecasts(self, trial_id: str, final: FinalReport) -> tuple[np.ndarray, np.ndarray]:
        """The forecasts of a report that carries its scores but published its forecasts (before scores were published
        too), in the report's order, whatever the part's."""
        table = self._read(trial_id, [*_KEYS, _FORECASTS])
        keys = zip(*(table[column].to_pylist() for column in _KEYS))
        position = {key: index for index, key in enumerate(keys)}
        return _flattened(table.take([position[(row.series, row.repeat, row.origin)] for row in final.repeats]))

    def _read(self, trial_id: str, columns: list[str]) -> pa.Table:
        try:
            return pq.read_table(self.path(trial_id), filesystem=self.filesystem, columns=columns)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"trial {trial_id} completed and wrote its results to {self.path(trial_id)}, which is no longer there: "
                f"the sweep's results cannot be computed without them; run it again under another name"
            ) from None


def _flattened(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    lists = table[_FORECASTS].combine_chunks()
    return pc.list_flatten(lists).to_numpy(zero_copy_only=False), pc.list_value_length(lists).to_numpy(zero_copy_only=False)
