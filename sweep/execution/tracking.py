"""Where a sweep's trials are logged besides its results folder: TensorBoard (always) and MLflow (`tracking.mlflow`).

Both are Tune's own logger callbacks, run on the driver. A final report carries each repeat's scores as lists
(`FinalReport.repeat_means`), which Tune does not analyse number by number in the driver; the loggers get them as
scalars instead (`repeat_<i>/test_<metric>`, `tracker_scalars`), and without the list of repeats, which is not a number
and lives in trials.parquet.
"""

from __future__ import annotations

from ray.air.integrations.mlflow import MLflowLoggerCallback
from ray.tune.logger import TBXLoggerCallback

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from trainables import tracker_scalars


class _TrackerScalars:
    """A Tune logger callback that logs a report's `tracker_scalars`."""

    def log_trial_result(self, iteration: int, trial, result: dict) -> None:
        super().log_trial_result(iteration, trial, tracker_scalars(result))


class ScalarTensorBoard(_TrackerScalars, TBXLoggerCallback):
    """Tune's TensorBoard logger, with each repeat's scores as scalars."""


class ScalarMLflow(_TrackerScalars, MLflowLoggerCallback):
    """Tune's MLflow logger, with each repeat's scores as scalars."""


def tracking_callbacks(config: SweepConfig) -> list:
    callbacks: list = [ScalarTensorBoard()]
    if config.tracking.mlflow:
        experiment = config.tracking.mlflow_experiment or config.name
        try:
            callbacks.append(ScalarMLflow(config.tracking.mlflow_tracking_uri, experiment_name=experiment, save_artifact=False,
                                          tags={"lstm-sweep": config.name}))  # fmt: skip
        except ImportError:
            raise ConfigError("`tracking.mlflow` needs the mlflow package: pip install 'lstm-sweep[tracking]'") from None
    return callbacks
