"""Expand the config's studies into the unique configuration points that trials run.

A point shared by several studies (1000 epochs / batch 4 / 1 neuron is in all three of the
reference grids) runs once and is counted in each of them. Points carry every axis any study of
the sweep sets, so the tables have one column per axis; the rest keep the study's defaults.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sweep.config.grids import Range, StudyGrid, draw
from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.planning.fit_checks import SeriesTooShort, check_calibration, check_data_fits
from sweep.planning.season import season_notes
from trainables import EXTENSION_DEFAULTS, OPTIMIZER_DEFAULT_RATES, POINT_AXES, Origin, Point, backtest_origins


@dataclass(frozen=True)
class SweepPlan:
    axis_names: list[str]  # the axis names of every point: the study's three, then the extensions the sweep uses
    points: list[Point]  # unique points, in the order the studies first name them
    studies: dict[str, list[Point]]  # each study's own points, in grid order
    notes: list[str]  # what the data does to some points (trimmed rows, batch-1 forecasts, skipped series), to print
    memberships: dict[tuple, dict[str, int]]  # point key -> {study: position in its grid}, for lookups in O(1)
    origins: dict[str, list[Origin]]  # per series: where every configuration and baseline is scored, earliest first
    series_groups: list[list[str]]  # the series each trial fits together (`SweepConfig.series_groups`)
    searched: str | None = None  # an Optuna search's one study, whose points are suggested as it runs (no `points`)

    def groups_for(self, point: Point) -> list[list[str]]:
        """The series groups a point's trials fit: every series in one for a global point (one model across them)."""
        if point.get("training") == "global":
            return [[name for group in self.series_groups for name in group]]
        return self.series_groups

    def studies_of(self, point: Point) -> dict[str, int]:
        """The studies a point belongs to, each with the point's position in that study's grid (a searched point: 0)."""
        if self.searched is not None:
            return {self.searched: 0}
        return self.memberships[point_key(point)]


def point_key(point: Point) -> tuple:
    return tuple(sorted(point.items()))


def build_plan(config: SweepConfig, series_values: dict[str, np.ndarray]) -> SweepPlan:
    """The sweep's points and each series' origins; a series that cannot hold them is refused by name (or skipped)."""
    _check_options_for_several_series(config, len(series_values))
    axes = used_axes(config)
    studies = {name: study_points(grid, axes, config, position) for position, (name, grid) in enumerate(config.studies.items())}
    points, memberships = _unique_points(studies)
    origins, notes = _series_origins(config, series_values, studies)
    searched = next(iter(studies)) if config.search.type == "optuna" else None
    if searched is not None:  # its points come from Optuna as it runs; the range ends above only checked the data
        points, studies, memberships = [], {searched: []}, {}
    notes += season_notes(config, origins)
    _check_global_training(config, origins)
    groups = config.series_groups({name: len(series_values[name]) for name in origins})
    return SweepPlan(axis_names=axes, points=points, studies=studies, notes=notes, memberships=memberships, origins=origins,
                     series_groups=groups, searched=searched)  # fmt: skip


def _check_options_for_several_series(config: SweepConfig, series_count: int) -> None:
    """Options that follow one series, refused once the data turns out to hold several."""
    if series_count > 1 and config.search.confirm:
        raise ConfigError(
            f"`search.confirm` needs one series: across {series_count} series the winner is chosen by mean rank, and "
            "`sweep.forecast` retrains it on each"
        )
    if series_count > 1 and config.diagnostics.every:
        raise ConfigError(
            f"`diagnostics.every` ({config.diagnostics.every}) needs one series: the diagnostic curves follow one series' "
            f"training, and `data.source` names {series_count}"
        )


def _check_global_training(config: SweepConfig, origins: dict[str, list[Origin]]) -> None:
    """A global model is trained across series: one series (as given, or left after skipping) has none to share."""
    for study, grid in config.studies.items():
        if "global" in (grid.training or []) and len(origins) < 2:
            raise ConfigError(
                f"`studies.{study}.training` lists global, which trains one model across series, but the sweep has "
                f"{len(origins)} series ({', '.join(origins)}): give `data.source` several series, or use training: [local]"
            )


def _unique_points(studies: dict[str, list[Point]]) -> tuple[list[Point], dict[tuple, dict[str, int]]]:
    """Each point once, in the order the studies first name it, and the studies (with positions) it belongs to."""
    memberships: dict[tuple, dict[str, int]] = {}
    points: list[Point] = []
    for name, grid_points in studies.items():
        for position, point in enumerate(grid_points):
            key = point_key(point)
            if key not in memberships:
                memberships[key] = {}
                points.append(point)
            memberships[key].setdefault(name, position)
    return points, memberships


def _series_origins(
    config: SweepConfig, series_values: dict[str, np.ndarray], studies: dict[str, list[Point]]
) -> tuple[dict[str, list[Origin]], list[str]]:
    """Each series' origins, once its earliest origin is checked to hold every point; a series too short is refused,
    or skipped with `data.short_series: skip`; the notes to print, each once."""
    notes, origins, series_of_note = [], {}, {}
    for name, series in series_values.items():
        series_origins = backtest_origins(
            len(series), config.data.test_size, config.evaluation.origins, config.evaluation.step_for(config.data), config.evaluation.window
        )  # fmt: skip
        try:
            series_notes = check_data_fits(config, series, series_origins[0], studies) + check_calibration(config, series_origins)
        except ConfigError as error:
            if len(series_values) == 1:
                raise
            if isinstance(error, SeriesTooShort) and config.data.short_series == "skip":
                notes.append(f"series {name!r} skipped: {error}")
                continue
            hint = " (or set `data.short_series: skip`)" if isinstance(error, SeriesTooShort) else ""
            raise type(error)(f"series {name!r}: {error}{hint}") from None
        for note in series_notes:
            series_of_note.setdefault(note, []).append(name)
        origins[name] = series_origins
    if not origins:
        raise ConfigError(f"every one of the {len(series_values)} series is too short for the windows asked ({notes[0]})")
    return origins, notes + [_for_series(note, names, len(series_values)) for note, names in series_of_note.items()]


def _for_series(note: str, names: list[str], count: int) -> str:
    """A data note once, naming the series it holds for when there are several."""
    if count == 1:
        return note
    return f"{note} (all {count} series)" if len(names) == count else f"{note} (series {', '.join(names)})"


def used_axes(config: SweepConfig) -> list[str]:
    """The study's axes plus every extension a study moves off its default (a learning rate shows with any optimizer choice)."""
    chosen = {
        axis for grid in config.studies.values() for axis in EXTENSION_DEFAULTS
        if getattr(grid, axis) not in (None, [EXTENSION_DEFAULTS[axis]])
    }  # fmt: skip
    if "optimizer" in chosen:
        chosen.add("learning_rate")
    return [*POINT_AXES, *(axis for axis in EXTENSION_DEFAULTS if axis in chosen)]


def study_points(grid: StudyGrid, axes: list[str], config: SweepConfig, position: int = 0) -> list[Point]:
    """A study's points: every combination of its values (grid, race); `search.num_samples` drawn from its values
    and ranges (random, seeded by `seed` and the study's position); the ends of its ranges (optuna: what the data
    checks see, the points themselves come from Optuna)."""
    values = grid.given(axes)
    if config.search.type == "random":
        rng = np.random.default_rng([config.seed, position])
        points = [{axis: draw(given, rng) for axis, given in values.items()} for _ in range(config.search.num_samples)]
        points = list({point_key(point): point for point in points}.values())  # a point drawn twice runs once
    else:
        ends = {axis: [given.low, given.high] if isinstance(given, Range) else given for axis, given in values.items()}
        points = [dict(zip(axes, combination)) for combination in itertools.product(*ends.values())]
    return [with_default_rate(point) for point in points]


def with_default_rate(point: Point) -> Point:
    """A point whose learning rate is left to the optimizer, given its optimizer's Keras default."""
    if "learning_rate" in point and point["learning_rate"] is None:
        return point | {"learning_rate": OPTIMIZER_DEFAULT_RATES[point.get("optimizer", EXTENSION_DEFAULTS["optimizer"])]}
    return point
