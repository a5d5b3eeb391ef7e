"""The protocol's persistence RMSE, drawn as a reference line where it is comparable."""

from __future__ import annotations

from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from trainables import persistence_rmse


def reference_line(config: SweepConfig, catalogue: Catalogue) -> float | None:
    """The persistence RMSE on the protocol's window, drawn where it is comparable: one series, one origin, RMSE."""
    if len(catalogue.series) > 1 or config.evaluation.origins > 1 or config.evaluation.metric != "rmse":
        return None
    return persistence_rmse(next(iter(catalogue.values.values())), config.data.test_size, config.data.difference_lag)
