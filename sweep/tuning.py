"""Ray Tune orchestration: one trial per (point, group of repeats), scheduled by Tune on the Ray it finds."""

from __future__ import annotations

import numpy as np
from ray import tune
from ray.tune.schedulers import ASHAScheduler

from sweep.config import SweepConfig
from sweep.lifecycle import TUNE_FOLDER
from sweep.plan import SweepPlan
from sweep.progress import SweepProgress, trial_folder, trial_namer
from sweep.storage import ResultsFolder
from sweep.tracking import tracking_callbacks
from trainables.contract import METRIC, TIME_ATTRIBUTE, TUNE_CONFIG_KEY, TrialRequest, TrialStatus, trial_status
from trainables.trainable import tune_trainable


def param_space(config: SweepConfig, plan: SweepPlan) -> dict:
    if config.search.type in ("race", "optuna"):
        return {}  # the searcher suggests every trial
    return grid_space(config, plan)


def shown_axes(config: SweepConfig, plan: SweepPlan) -> list[str]:
    """The axes that tell trials apart: those taking more than one value (a search's: its ranges too)."""
    if plan.searched is not None:
        return config.studies[plan.searched].varied(plan.axis_names)
    return [axis for axis in plan.axis_names if len({point[axis] for point in plan.points}) > 1] or plan.axis_names[:1]


def axis_columns(axes: list[str]) -> dict:
    """Each shown axis as a top-level key of a grid trial's config, copied from its request (`trial_config`'s
    layout), for the live table's columns."""
    return {axis: tune.sample_from(lambda trial, axis=axis: trial[TUNE_CONFIG_KEY]["point"][axis]) for axis in axes}


def grid_space(config: SweepConfig, plan: SweepPlan) -> dict:
    """Every `TrialRequest` of the sweep, one grid value each, point by point (then series by series): a
    point's trials run one after another, so a worker reuses the shape it just compiled (series of one
    length have one shape). (A grid over points and repeat
    groups as two keys ran every point's first group, then every point's second: each pass
    recompiled every shape once a sweep had more shapes than a worker keeps.)"""
    requests = [
        TrialRequest.for_point(config, point, group, series)
        for point in plan.points for series in plan.series_groups for group in config.repeat_groups
    ]  # fmt: skip
    return {TUNE_CONFIG_KEY: tune.grid_search([request.to_tune() for request in requests])}


def trial_options(axes: list[str]) -> dict:
    """`TuneConfig` options of every run: actors reused, trials named by their point (`sweep.progress`)."""
    return {"reuse_actors": True, "trial_name_creator": trial_namer(axes), "trial_dirname_creator": trial_folder}


def tune_config(config: SweepConfig, plan: SweepPlan) -> tune.TuneConfig:
    """Actors are reused so compiled functions stay warm; ASHA, when asked for, stops on epochs trained; a
    race (`search.type: race`) suggests each round's trials as the previous round's scores decide; Optuna
    (`search.type: optuna`) one point at a time (sweep/searching.py)."""
    named = trial_options(shown_axes(config, plan))
    if config.search.type == "race":
        from sweep.racing import most_race_trials, race_searcher

        return tune.TuneConfig(search_alg=race_searcher(config, plan), num_samples=most_race_trials(config, plan), **named)
    if config.search.type == "optuna":
        from sweep.searching import optuna_searcher

        return tune.TuneConfig(search_alg=optuna_searcher(config, plan), num_samples=config.search.num_samples, **named)
    if config.scheduler is None:
        return tune.TuneConfig(**named)
    scheduler = ASHAScheduler(
        time_attr=TIME_ATTRIBUTE,
        max_t=config.max_epochs,
        grace_period=config.scheduler.grace_period,
        reduction_factor=config.scheduler.reduction_factor,
    )
    return tune.TuneConfig(metric=METRIC, mode="min", scheduler=scheduler, **named)


def run_tuner(
    config: SweepConfig, plan: SweepPlan, catalogue: dict[str, np.ndarray], folder: ResultsFolder, resume: bool,
    space: dict | None = None, experiment_name: str = TUNE_FOLDER,
) -> tune.ResultGrid:  # fmt: skip
    """Run the sweep, or with `resume` continue it: finished trials stay, unfinished and errored ones run.

    `space`: a grid of requests of its own (a confirmation run) in `<folder>/<experiment_name>`; default the sweep's.
    """
    trainable = tune.with_resources(
        tune.with_parameters(tune_trainable, catalogue={name: catalogue[name] for name in plan.origins}),
        {"cpu": config.resources.cpus_per_trial, "gpu": config.resources.gpus_per_trial},
    )
    axes = shown_axes(config, plan)
    space = param_space(config, plan) if space is None else space
    space = space | axis_columns(axes) if space else space
    experiment = f"{folder.path}/{experiment_name}"
    if resume and tune.Tuner.can_restore(experiment, storage_filesystem=folder.filesystem):
        tuner = tune.Tuner.restore(
            experiment, trainable, resume_unfinished=True, restart_errored=True, param_space=space,
            storage_filesystem=folder.filesystem,
        )  # fmt: skip
    else:  # a fresh sweep, or one killed before Tune saved any state
        tuner = tune.Tuner(
            trainable,
            param_space=space,
            tune_config=tune_config(config, plan) if experiment_name == TUNE_FOLDER else tune.TuneConfig(**trial_options(axes)),
            run_config=tune.RunConfig(
                name=experiment_name,
                storage_path=folder.path,
                storage_filesystem=folder.filesystem,
                failure_config=tune.FailureConfig(max_failures=config.max_failures),
                callbacks=[SweepProgress(axes), *tracking_callbacks(config)],
                verbose=0,  # Tune's own reporter: silent beside SweepProgress
            ),
        )
    return tuner.fit()


def result_status(result: tune.Result, config: SweepConfig) -> TrialStatus:
    """A Tune result's outcome, by the contract's one rule.

    Tune marks the trials it ends on Ctrl-C as terminated, like finished ones, so their metrics tell.
    """
    return trial_status(result.metrics, failed=result.error is not None, early_stopping=config.scheduler is not None)


def unfinished(results: tune.ResultGrid, config: SweepConfig) -> int:
    """Trials Ctrl-C (or a dead driver) left without an outcome: what a resume runs."""
    return sum(result_status(result, config) is TrialStatus.UNFINISHED for result in results)
