"""Ray Tune: one trial per (point, group of repeats, group of series), scheduled by Tune on the Ray it finds."""

from __future__ import annotations

import contextlib

import numpy as np
import ray
from ray import tune
from ray.tune.schedulers import ASHAScheduler

from sweep.config.model import SweepConfig
from sweep.execution.failures import FailureNotice, failures_by_trial, quiet_trial_errors, storage_notices
from sweep.execution.progress import SweepProgress, trial_folder, trial_namer
from sweep.execution.tracking import tracking_callbacks
from sweep.execution.worker_generations import TrialResources, trial_resources
from sweep.planning.plan import SweepPlan
from sweep.planning.requests import trial_grid
from sweep.results.decode import DecodedTrial, decode
from sweep.search.confirmation import fresh_repeat_groups
from sweep.search.optuna_search import optuna_searcher
from sweep.search.race import most_race_trials, race_searcher
from sweep.storage.folder import ResultsFolder
from sweep.storage.forecast_parts import ForecastParts
from sweep.storage.layout import CONFIRM_FOLDER, TUNE_FOLDER
from trainables import SCHEDULER_METRIC, TIME_ATTRIBUTE, Point, TrialRequest, tune_space, tune_trainable


def param_space(config: SweepConfig, plan: SweepPlan, axes: list[str]) -> dict:
    if config.search.type in ("race", "optuna"):
        return {}  # the searcher suggests every trial
    return grid_space(config, plan, plan.points, config.repeat_groups, axes)


def shown_axes(config: SweepConfig, plan: SweepPlan) -> list[str]:
    """The axes that tell trials apart: those taking more than one value (a search's: its ranges too)."""
    if plan.searched is not None:
        return config.studies[plan.searched].varied(plan.axis_names)
    return [axis for axis in plan.axis_names if len({point[axis] for point in plan.points}) > 1] or plan.axis_names[:1]


def axis_columns(axes: list[str]) -> dict:
    """Each shown axis copied from a grid trial's request to the top level, for the live table's columns."""
    return {axis: tune.sample_from(lambda trial, axis=axis: TrialRequest.axis_in(trial, axis)) for axis in axes}


def grid_space(config: SweepConfig, plan: SweepPlan, points: list[Point], repeat_groups: list[list[int]], axes: list[str]) -> dict:
    """Every trial of `points` (`trial_grid`), one grid value each."""
    requests = trial_grid(config, plan, points, repeat_groups)
    return tune_space(tune.grid_search([request.to_tune() for request in requests]), axis_columns(axes))


def trial_options(config: SweepConfig, axes: list[str]) -> dict:
    """`TuneConfig` options of every run: actors reused unless `resources.reuse_workers` is false, trials named by their
    point (`sweep.execution.progress`)."""
    return {"reuse_actors": config.resources.reuse_workers, "trial_name_creator": trial_namer(axes), "trial_dirname_creator": trial_folder}


def tune_config(config: SweepConfig, plan: SweepPlan, parts: ForecastParts) -> tune.TuneConfig:
    """Actors are reused so compiled functions stay warm; ASHA, when asked for, stops on epochs trained; a
    race (`search.type: race`) suggests each round's trials as the previous round's scores decide; Optuna
    (`search.type: optuna`) one point at a time (sweep/search/)."""
    named = trial_options(config, shown_axes(config, plan))
    if config.search.type == "race":
        return tune.TuneConfig(search_alg=race_searcher(config, plan, parts), num_samples=most_race_trials(config, plan), **named)
    if config.search.type == "optuna":
        return tune.TuneConfig(search_alg=optuna_searcher(config, plan, parts), num_samples=config.search.num_samples, **named)
    if config.scheduler is None:
        return tune.TuneConfig(**named)
    scheduler = ASHAScheduler(
        time_attr=TIME_ATTRIBUTE,
        max_t=config.max_epochs,
        grace_period=config.scheduler.grace_period,
        reduction_factor=config.scheduler.reduction_factor,
    )
    return tune.TuneConfig(metric=SCHEDULER_METRIC, mode="min", scheduler=scheduler, **named)


def run_tuner(
    config: SweepConfig, plan: SweepPlan, series_values: dict[str, np.ndarray], folder: ResultsFolder, resume: bool,
    confirming: list[Point] | None = None,
) -> list[DecodedTrial]:  # fmt: skip
    """Run the sweep, or with `resume` continue it: finished trials stay, unfinished and errored ones run.

    `confirming`: run these points' fresh repeats instead (`search.confirm`), in their own Tune experiment.
    """
    axes = shown_axes(config, plan)
    experiment_name = TUNE_FOLDER if confirming is None else CONFIRM_FOLDER
    experiment = f"{folder.path}/{experiment_name}"
    parts = ForecastParts(folder.filesystem, experiment, ray.get_runtime_context().get_node_id() if folder.local else None)
    if confirming is None:
        space, options = param_space(config, plan, axes), tune_config(config, plan, parts)
    else:
        space = grid_space(config, plan, confirming, fresh_repeat_groups(config), axes)
        options = tune.TuneConfig(**trial_options(config, axes))
    with worker_resources(config, series_values) as resources:
        trainable = tune.with_resources(
            tune.with_parameters(tune_trainable, series_values={name: series_values[name] for name in plan.origins}, publish=parts.publish),
            resources,
        )
        results = fit_quietly(restored_or_new_tuner(config, trainable, folder, experiment_name, options, space, axes, resume), str(folder))
    failures = failures_by_trial(experiment, folder.filesystem)
    return decode(results, early_stopping=config.scheduler is not None, failures=failures, parts=parts)


def worker_resources(config: SweepConfig, series_values: dict[str, np.ndarray]) -> contextlib.AbstractContextManager[TrialResources]:
    """Each trial's CPUs and GPUs, and its worker generation (`worker_generations`): reused workers only."""
    limit = config.resources.shapes_per_worker if config.resources.reuse_workers else None
    lengths = {name: len(values) for name, values in series_values.items()}
    return trial_resources(config.resources.cpus_per_trial, config.resources.gpus_per_trial, limit, lengths)


def fit_quietly(tuner: tune.Tuner, storage: str) -> tune.ResultGrid:
    """Tune's run without a traceback per failed trial (`FailureNotice` prints a line each), storage errors as a warning per reason."""
    with quiet_trial_errors(), storage_notices(storage):
        return tuner.fit()


def restored_or_new_tuner(
    config: SweepConfig, trainable, folder: ResultsFolder, experiment_name: str, options: tune.TuneConfig, space: dict,
    axes: list[str], resume: bool,
) -> tune.Tuner:  # fmt: skip
    """A restored Tuner when `resume` finds Tune's state of the experiment, else a fresh one (a fresh sweep, or one killed
    before Tune saved any state)."""
    experiment = f"{folder.path}/{experiment_name}"
    if resume and tune.Tuner.can_restore(experiment, storage_filesystem=folder.filesystem):
        return tune.Tuner.restore(
            experiment, trainable, resume_unfinished=True, restart_errored=True, param_space=space,
            storage_filesystem=folder.filesystem,
        )  # fmt: skip
    return tune.Tuner(
        trainable,
        param_space=space,
        tune_config=options,
        run_config=tune.RunConfig(
            name=experiment_name,
            storage_path=folder.path,
            storage_filesystem=folder.filesystem,
            failure_config=tune.FailureConfig(max_failures=config.max_failures),
            callbacks=[SweepProgress(axes), FailureNotice(), *tracking_callbacks(config)],
            verbose=0,  # Tune's own reporter: silent beside SweepProgress
        ),
    )
