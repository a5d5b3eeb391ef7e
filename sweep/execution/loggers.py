"""Tune's logger callbacks as lstm-sweep uses them: a final report carries each repeat's scores as lists
(`FinalReport.repeat_means`), which Tune does not analyse number by number in the driver; the loggers get them as
scalars (`repeat_<i>/test_<metric>`, `tracker_scalars`), and without the list of repeats, which is not a number and lives
in trials.parquet."""

from __future__ import annotations

from ray.tune.logger import TBXLoggerCallback

from trainables import tracker_scalars


class TrackerScalars:
    """A mixin for a Tune logger callback: it logs a report's `tracker_scalars`."""

    def log_trial_result(self, iteration: int, trial, result: dict) -> None:
        super().log_trial_result(iteration, trial, tracker_scalars(result))


class ScalarTensorBoard(TrackerScalars, TBXLoggerCallback):
    """Tune's TensorBoard logger, with each repeat's scores as scalars."""
