"""Smoke mode: the same sweep in seconds, to check that a config runs end to end."""

from __future__ import annotations

from sweep.config.grids import Range
from sweep.config.loading import parse_config
from sweep.config.model import SweepConfig

SMOKE_REPEATS = 2  # repeats per point in smoke mode: enough for the statistics to run
SMOKE_SERIES = 3  # series kept in smoke mode: enough for the statistics across series to run
SMOKE_SEARCHED_EPOCHS = 3  # smoke mode: a range of epochs becomes 1 to this
SMOKE_SAMPLES = 2  # smoke mode: points a random or Optuna search draws
SMOKE_SUFFIX = "-smoke"  # a smoke run's results go to <name>-smoke, never into the real sweep's folder


def smoke_config(config: SweepConfig) -> SweepConfig:
    """The same sweep in seconds, to check that a config runs end to end: every study and axis kept,
    epochs replaced by their rank among the sweep's epoch counts (500, 1000, 2000 -> 1, 2, 3, so
    shared points stay shared), `SMOKE_REPEATS` repeats, the first `SMOKE_SERIES` series, `SMOKE_SAMPLES` points of a search, early
    stopping from the first epoch (a scheduler's grace period and early stopping's patience 1), and results under
    `<name>-smoke`."""
    listed = {epochs for grid in config.studies.values() if not isinstance(grid.epochs, Range) for epochs in grid.epochs}
    ranks = {epochs: rank for rank, epochs in enumerate(sorted(listed), 1)}
    payload = config.model_dump()
    for grid in payload["studies"].values():
        ranged = isinstance(grid["epochs"], dict)
        grid["epochs"] = {"randint": [1, SMOKE_SEARCHED_EPOCHS]} if ranged else [ranks[epochs] for epochs in grid["epochs"]]
    payload |= {"name": f"{config.name}{SMOKE_SUFFIX}", "repeats": min(config.repeats, SMOKE_REPEATS), "repeats_per_trial": None,
                "series_per_trial": None}  # fmt: skip
    payload["data"]["first_series"] = min(config.data.first_series or SMOKE_SERIES, SMOKE_SERIES)
    payload["diagnostics"]["every"] = min(config.diagnostics.every, 1)
    payload["search"]["initial_repeats"] = min(config.search.initial_for(config.repeats), SMOKE_REPEATS)
    payload["search"]["num_samples"] = min(config.search.num_samples, SMOKE_SAMPLES)
    if payload["scheduler"] is not None:
        payload["scheduler"]["grace_period"] = 1
    if payload["early_stopping"] is not None:
        payload["early_stopping"]["patience"] = 1
    return parse_config(payload, source="smoke mode")
