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

import numpy as np
import optuna
import pandas as pd
from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from sweep.aggregate import score_column
from sweep.config import Range, SweepConfig
from sweep.plan import SweepPlan, with_default_rate
from sweep.progress import trial_config
from trainables.contract import METRIC, FinalReport, TrialRequest

SIGNIFICANT_DIGITS = 3
OBJECTIVE = "objective"  # the value Optuna minimises, under this name


def readable(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def draw(given: list | Range, rng: np.random.Generator):
    """One value of an axis: a choice among its listed values, or a draw from its range."""
    if not isinstance(given, Range):
        return given[int(rng.integers(len(given)))]
    if given.kind == "randint":
        return int(rng.integers(given.low, given.high + 1))
    if given.kind == "loguniform":
        return readable(float(np.exp(rng.uniform(np.log(given.low), np.log(given.high)))))
    return readable(float(rng.uniform(given.low, given.high)))


def distribution(given: list | Range) -> optuna.distributions.BaseDistribution:
    if not isinstance(given, Range):
        return optuna.distributions.CategoricalDistribution(given)
    if given.kind == "randint":
        return optuna.distributions.IntDistribution(int(given.low), int(given.high))
    return optuna.distributions.FloatDistribution(given.low, given.high, log=given.kind == "loguniform")


def objective(scores: pd.Series, statistic: str) -> float:
    """`search.objective` of a point's repeats, each repeat's score its mean over series and origins
    (`scores` indexed by repeat); inf when a repeat diverged."""
    per_repeat = scores.groupby(level=0).mean()
    if not np.all(np.isfinite(per_repeat)):
        return float("inf")
    if statistic == "mean":
        return float(per_repeat.mean())
    if statistic == "median":
        return float(per_repeat.median())
    return float(np.percentile(per_repeat, int(statistic.removeprefix("p"))))


class OptunaPoints(Searcher):
    """Tune's `OptunaSearch` behind the sweep's contract: each suggestion becomes a `TrialRequest` for all
    of the point's repeats, and Optuna is told `objective` of the repeats' scores."""

    def __init__(self, optuna_search: OptunaSearch, request_for: Callable[[dict], dict], objective_of: Callable[[dict], float | None]):
        super().__init__(metric=METRIC, mode="min")
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


def optuna_searcher(config: SweepConfig, plan: SweepPlan) -> OptunaPoints:
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
        return trial_config(TrialRequest.for_point(config, point, list(range(config.repeats)), series))

    def objective_of(result: dict) -> float | None:
        final = FinalReport.from_metrics(result)
        if final is None:
            return None
        scores = pd.Series([getattr(row, score) for row in final.repeats], index=[row.repeat for row in final.repeats])
        return objective(scores, config.search.objective)

    return OptunaPoints(optuna_search, request_for, objective_of)
