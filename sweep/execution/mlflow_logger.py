"""Tune's MLflow logger with each repeat's scores as scalars: a module of its own, imported only when `tracking.mlflow`
asks for it, because importing Ray's MLflow integration imports mlflow (seconds at every start otherwise)."""

from __future__ import annotations

from ray.air.integrations.mlflow import MLflowLoggerCallback

from sweep.execution.loggers import TrackerScalars


class ScalarMLflow(TrackerScalars, MLflowLoggerCallback):
    """Tune's MLflow logger, with each repeat's scores as scalars."""
