"""Random and model-based search (`search.type: random | optuna`) over the ranges a study gives.

A study's axis may be a list of values (a choice) or a range: `{loguniform: [a, b]}`, `{uniform: [a, b]}`,
`{randint: [a, b]}` (both ends included). Every drawn point runs all `repeats` repeats, so its
distribution is kept like a grid point's; the seed is never a hyperparameter.

- random: `num_samples` points per study drawn up front from `seed` (`sweep.plan.study_points`), then
  run as a grid: resume, clusters and the tables work unchanged, and a config draws the same points.
- optuna: Tune's Optuna integration (TPE) suggests one point at a time; the point runs its repeats in
  one trial, and Optuna learns from a statistic of them (`search.objective`: mean, median, or an upper
  quantile, for a choice good for most seeds rather than on average).

Drawn floats keep three significant digits, so that tables and labels stay readable.
"""

from __future__ import annotations

from collections.abc import Callable

import optuna
import pandas as pd
from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from sweep.config.grids import Range, readable
from sweep.config.model import SweepConfig
from sweep.planning.plan import SweepPlan, with_default_rate
from sweep.planning.requests import trial_request
from sweep.search.objective import objective
from sweep.storage.forecast_parts import ForecastParts
from trainables import SCHEDULER_METRIC, score_column

OBJECTIVE = "objective"  # the value Optuna minimises, under this name


def distribution(given: list | Range) -> optuna.distributions.BaseDistribution:
    if not isinstance(given, Range):
        return optuna.distributions.CategoricalDistribution(given)
    if given.kind == "randint":
        return optuna.distributions.IntDistribution(int(given.low), int(given.high))
    return optuna.distributions.FloatDistribution(given.low, given.high, log=given.kind == "loguniform")


class OptunaPoints(Searcher):
    """Tune's `OptunaSearch` behind the sweep's contract: each suggestion becomes a `TrialRequest` for all
    of the point's repeats, and Optuna is told `objective` of the repeats' scores."""

    def __init__(self, optuna_search: OptunaSearch, request_for: Callable[[dict], dict], objective_of: Callable[[dict], float | None]):
        super().__init__(metric=SCHEDULER_METRIC, mode="min")
        self.optuna_search, self.request_for, self.objective_of = optuna_search, request_for, objective_of

    def suggest(self, trial_id: str) -> dict | None:
        values = self.optuna_search.suggest(trial_id)
        if values is None or values == Searcher.FINISHED:
            return values
        return self.request_for(values)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        value = None if error or result is None else self.objective_of(result)
        if value is None:
            self.optuna_search.on_trial_complete(trial_id, error=True)
        else:
            self.optuna_search.on_trial_complete(trial_id, {OBJECTIVE: value})

    def save(self, checkpoint_path: str) -> None:
        self.optuna_search.save(checkpoint_path)

    def restore(self, checkpoint_path: str) -> None:
        self.optuna_search.restore(checkpoint_path)


def optuna_searcher(config: SweepConfig, plan: SweepPlan, parts: ForecastParts) -> OptunaPoints:
    """`parts`: where a finished trial's repeats are read back, when its report left them out."""
    grid = config.studies[plan.searched]
    given = grid.given(plan.axis_names)
    searched = grid.varied(plan.axis_names)
    fixed = {axis: values[0] for axis, values in given.items() if axis not in searched}
    space = {axis: distribution(given[axis]) for axis in searched}
    sampler = optuna.samplers.TPESampler(seed=config.seed)
    optuna_search = OptunaSearch(space=space, metric=OBJECTIVE, mode="min", sampler=sampler)
    series = [name for group in plan.series_groups for name in group]
    score = score_column(config.evaluation.metric)

    def request_for(values: dict) -> dict:
        drawn = fixed | {axis: readable(value) if isinstance(value, float) else value for axis, value in values.items()}
        point = with_default_rate({axis: drawn[axis] for axis in plan.axis_names})
        return trial_request(config, point, range(config.repeats), series).tune_config()

    def objective_of(result: dict) -> float | None:
        final = parts.final_report(result)
        if final is None:
            return None
        return objective(pd.concat(final.scores_by_repeat(score, config.evaluation.selection_origins)), config.search.objective)

    return OptunaPoints(optuna_search, request_for, objective_of)
