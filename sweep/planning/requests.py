"""The trials a sweep asks for: its config and plan mapped onto the contract's plain `TrialRequest`s."""

from __future__ import annotations

from collections.abc import Sequence

from sweep.config.model import SweepConfig
from sweep.planning.plan import SweepPlan
from trainables import Point, TrialRequest


def trial_request(
    config: SweepConfig, point: Point, repeat_indices: Sequence[int], series: Sequence[str] = (), race_round: int = 0
) -> TrialRequest:
    """One trial of `point`: the given repeats of the given series, prepared and scored as the config says."""
    return TrialRequest(
        series=tuple(series),
        race_round=race_round,
        point=point,
        repeat_indices=tuple(repeat_indices),
        base_seed=config.seed,
        engine=config.engine,
        test_size=config.data.test_size,
        difference_lag=config.data.difference_lag,
        diagnostics_every=config.diagnostics.every,
        origins=config.evaluation.origins,
        origin_step=config.evaluation.step_for(config.data),
        window=config.evaluation.window,
        season=config.evaluation.season_for(config.data),
        horizon=config.evaluation.horizon,
        levels=tuple(config.evaluation.levels),
        validation=config.early_stopping.validation if config.early_stopping else 0,
        patience=config.early_stopping.patience if config.early_stopping else 0,
    )


def trial_grid(config: SweepConfig, plan: SweepPlan, points: list[Point], repeat_groups: list[list[int]]) -> list[TrialRequest]:
    """Every trial of `points`, point by point (then series by series): a point's trials run one after another,
    so a worker reuses the shape it just compiled (series of one length have one shape). (A grid over points
    and repeat groups as two keys ran every point's first group, then every point's second: each pass
    recompiled every shape once a sweep had more shapes than a worker keeps.)"""
    return [
        trial_request(config, point, group, series)
        for point in points for series in plan.groups_for(point) for group in repeat_groups
    ]  # fmt: skip
