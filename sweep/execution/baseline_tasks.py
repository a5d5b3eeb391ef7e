"""Baselines as Ray tasks beside the trials: one per (series, baseline, origin), started before the trials."""

from __future__ import annotations

import numpy as np
import ray

from sweep.config.model import SweepConfig
from sweep.planning.plan import SweepPlan
from trainables import BaselineForecast, baseline_forecast

BaselineTask = tuple[str, ray.ObjectRef]  # (series, the task computing one baseline at one origin of it)


def submit_baselines(config: SweepConfig, plan: SweepPlan, series_values: dict[str, np.ndarray]) -> list[BaselineTask]:
    """Every baseline task of the sweep, started now so they run while the trials do."""
    if not config.evaluation.baselines:
        return []
    task = ray.remote(num_cpus=config.resources.cpus_per_trial)(baseline_forecast)
    season = config.evaluation.season_for(config.data)
    tasks = []
    for series, origins in plan.origins.items():
        shared = ray.put(series_values[series])
        tasks += [
            (series, task.remote(name, shared, origin, season, config.evaluation.horizon))
            for name in config.evaluation.baselines for origin in origins
        ]  # fmt: skip
    return tasks


def collect_baselines(tasks: list[BaselineTask]) -> list[tuple[str, BaselineForecast]]:
    """Each task's forecast, with its series, in the order submitted."""
    return list(zip([series for series, _ in tasks], ray.get([task for _, task in tasks])))
