"""Where a sweep's trials are logged besides its results folder: TensorBoard (always) and MLflow (`tracking.mlflow`),
both Tune's own logger callbacks run on the driver (`sweep.execution.loggers`)."""

from __future__ import annotations

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.execution.loggers import ScalarTensorBoard


def tracking_callbacks(config: SweepConfig) -> list:
    callbacks: list = [ScalarTensorBoard()]
    if config.tracking.mlflow:
        experiment = config.tracking.mlflow_experiment or config.name
        try:
            from sweep.execution.mlflow_logger import ScalarMLflow

            callbacks.append(ScalarMLflow(config.tracking.mlflow_tracking_uri, experiment_name=experiment, save_artifact=False,
                                          tags={"lstm-sweep": config.name}))  # fmt: skip
        except ImportError:
            raise ConfigError("`tracking.mlflow` needs the mlflow package: pip install 'lstm-sweep[tracking]'") from None
    return callbacks
