"""Where a sweep's trials are logged besides its results folder: TensorBoard (always) and MLflow (`tracking.mlflow`).

Both are Tune's own logger callbacks, run on the driver. A final report's `per_repeat` list is not a
number, so the loggers get each repeat's scores as scalars instead (`repeat_<i>/test_<metric>`,
`FinalReport.repeat_scalars`); the list itself lives in trials.parquet.
"""

from __future__ import annotations

from ray.tune.logger import TBXLoggerCallback

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from trainables import without_repeat_list


class ScalarTensorBoard(TBXLoggerCallback):
    """Tune's TensorBoard logger, without the list it cannot log (and warned about on every final report)."""

    def log_trial_result(self, iteration: int, trial, result: dict) -> None:
        super().log_trial_result(iteration, trial, without_repeat_list(result))


def tracking_callbacks(config: SweepConfig) -> list:
    callbacks: list = [ScalarTensorBoard()]
    if config.tracking.mlflow:
        try:
            from ray.air.integrations.mlflow import MLflowLoggerCallback
        except ImportError:
            raise ConfigError("`tracking.mlflow` needs the mlflow package: pip install 'lstm-sweep[tracking]'") from None
        experiment = config.tracking.mlflow_experiment or config.name
        callbacks.append(MLflowLoggerCallback(config.tracking.mlflow_tracking_uri, experiment_name=experiment, save_artifact=False,
                                              tags={"lstm-sweep": config.name}))  # fmt: skip
    return callbacks
