"""Ray Tune orchestration: one trial per (point, group of repeats), scheduled by Tune on the Ray it finds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ray import tune
from ray.tune.schedulers import ASHAScheduler

from sweep.config import SweepConfig
from sweep.plan import SweepPlan
from trainables.trainable import tune_trainable

TUNE_FOLDER = "tune"  # Tune's experiment folder inside <storage>/<name>


def param_space(config: SweepConfig, plan: SweepPlan) -> dict:
    return {
        "point": tune.grid_search(plan.points),
        "repeats": tune.grid_search(config.repeat_groups),
        "seed": config.seed,
        "engine": config.engine,
        "test_size": config.data.test_size,
        "diagnostics_every": config.diagnostics.every,
    }


def tune_config(config: SweepConfig) -> tune.TuneConfig:
    """Actors are reused so compiled functions stay warm; ASHA, when asked for, stops on `epoch`."""
    if config.scheduler is None:
        return tune.TuneConfig(reuse_actors=True)
    scheduler = ASHAScheduler(
        time_attr="epoch",
        max_t=config.max_epochs,
        grace_period=config.scheduler.grace_period,
        reduction_factor=config.scheduler.reduction_factor,
    )
    return tune.TuneConfig(metric="test_rmse", mode="min", scheduler=scheduler, reuse_actors=True)


def run_tuner(config: SweepConfig, plan: SweepPlan, series: np.ndarray, sweep_dir: Path) -> tune.ResultGrid:
    trainable = tune.with_resources(
        tune.with_parameters(tune_trainable, series=series),
        {"cpu": config.resources.cpus_per_trial, "gpu": config.resources.gpus_per_trial},
    )
    tuner = tune.Tuner(
        trainable,
        param_space=param_space(config, plan),
        tune_config=tune_config(config),
        run_config=tune.RunConfig(name=TUNE_FOLDER, storage_path=str(sweep_dir.resolve()), verbose=1),
    )
    return tuner.fit()
