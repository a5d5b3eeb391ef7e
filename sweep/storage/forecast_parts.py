"""Each trial's forecasts as its own Parquet part, written where the trial ran, so that they never travel inside Tune's
metrics: Tune keeps every trial's last report in the driver, saves it in its experiment state and result.json, and
reads all of them back after the run.

A part is `<experiment>/forecasts/<trial id>.parquet`: one row per (series, repeat, origin) with its forecasts as a
list, written at once through the sweep's filesystem (a local folder's publishes it by rename, an object store by
one upload), so a reader sees all of it or none of it, and a retried or resumed trial (the same id) replaces its part.
With a local folder only a trial on the driver's node writes one (another node's disk is not the driver's); a trial
that writes none (another node, a full disk) carries its forecasts in its report as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from sweep.storage.publishing import open_for_writing
from trainables import FinalReport

PARTS_FOLDER = "forecasts"
PART_SCHEMA = pa.schema([("series", pa.string()), ("repeat", pa.int64()), ("origin", pa.int64()), ("forecasts", pa.list_(pa.float64()))])


@dataclass(frozen=True)
class ForecastParts:
    """Where a Tune experiment's trials publish their forecasts; sent to every trial with its series."""

    filesystem: pafs.FileSystem
    experiment: str  # Tune's experiment folder on `filesystem`
    driver_node: str | None  # a local folder: the one node whose parts the driver can read; None (object store): any node

    def path(self, trial_id: str) -> str:
        return f"{self.experiment}/{PARTS_FOLDER}/{trial_id}.parquet"

    def publish(self, trial_id: str, final: FinalReport) -> bool:
        """Write the trial's forecasts as its part; False (nothing written) on a node whose disk the driver cannot read, or
        when the write fails."""
        if self.driver_node is not None and final.node_id != self.driver_node:
            return False
        rows = final.repeats
        table = pa.table(
            [[row.series for row in rows], [row.repeat for row in rows], [row.origin for row in rows], [row.forecasts for row in rows]],
            schema=PART_SCHEMA,
        )  # fmt: skip
        try:
            with open_for_writing(self.filesystem, self.path(trial_id)) as stream:
                pq.write_table(table, stream)
        except OSError:  # a full or read-only disk: the forecasts travel in the report instead, nothing is lost
            return False
        return True

    def read(self, trial_id: str, final: FinalReport) -> tuple[np.ndarray, np.ndarray]:
        """The forecasts of a published report's repeats, in its order: one flat array, and each repeat's count of them;
        as arrays, never one Python float per forecast."""
        try:
            table = pq.read_table(self.path(trial_id), filesystem=self.filesystem, schema=PART_SCHEMA)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"trial {trial_id} completed and wrote its forecasts to {self.path(trial_id)}, which is no longer there: "
                f"the sweep's results cannot be computed without them; run it again under another name"
            ) from None
        keys = zip(*(table[column].to_pylist() for column in ("series", "repeat", "origin")))
        position = {key: index for index, key in enumerate(keys)}
        table = table.take([position[(row.series, row.repeat, row.origin)] for row in final.repeats])
        lists = table["forecasts"].combine_chunks()
        return pc.list_flatten(lists).to_numpy(zero_copy_only=False), pc.list_value_length(lists).to_numpy(zero_copy_only=False)
