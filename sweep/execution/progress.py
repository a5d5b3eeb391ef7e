"""What the console shows while a sweep runs: Tune's live table, made readable.

Tune's table shows a trial's search-space keys as columns; a sweep's trial config is one request,
which showed as a truncated dict (`... 4, 'neurons': 1}`). Here the axes that vary are columns of
their own, trials are named by their point and repeats, and Tune's own reporter (per-trial config
blocks) stays silent.
"""

from __future__ import annotations

import time

from ray.tune import Callback
from ray.tune.experimental.output import AirVerbosity, TuneTerminalReporter

from trainables import TrialRequest


def trial_namer(axes: list[str]):
    """Trial names a person can read: `epochs=1000,batch_size=4 r0-29 shampoo` (the shown axes, repeats, series)."""

    def name(trial) -> str:
        request = TrialRequest.from_tune(trial.config)
        repeats = request.repeat_indices
        span = f"r{repeats[0]}" if len(repeats) == 1 else f"r{repeats[0]}-{repeats[-1]}"
        more = f"+{len(request.series) - 1}" if len(request.series) > 1 else ""
        series = f" {request.series[0]}{more}" if request.series else ""
        return f"{','.join(f'{axis}={request.point[axis]}' for axis in axes)} {span}{series}"

    return name


def trial_folder(trial) -> str:
    """A trial's folder: its id (Tune's default is its name, which holds characters a folder name should not)."""
    return f"trial_{trial.trial_id}"


class _AxisTable(TuneTerminalReporter):
    """Tune's terminal table with the given axes as its columns."""

    def __init__(self, axes: list[str]):
        super().__init__(AirVerbosity.DEFAULT, num_samples=1)
        self._inferred_params = axes  # Tune infers these from the search space: the request, as one truncated column


class SweepProgress(Callback):
    """Tune's live table every few seconds and at the end, with the sweep's axes as columns.

    A plain Callback holding the table rather than one of Tune's progress reporters: Tune sets up only
    the first reporter it finds, and its own (kept silent, `verbose=0`) then lacked a start time and
    crashed while reporting a trial's error.
    """

    def __init__(self, axes: list[str]):
        self.table = _AxisTable(axes)

    def setup(self, total_num_samples: int | None = None, **info) -> None:
        self.table.setup(start_time=time.time(), total_samples=total_num_samples)

    def on_step_end(self, iteration: int, trials: list, **info) -> None:
        self.table.print_heartbeat(trials)

    def on_experiment_end(self, trials: list, **info) -> None:
        self.table.print_heartbeat(trials, force=True)
