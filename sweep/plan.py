"""Expand the config's studies into the unique configuration points that trials run.

A point shared by several studies (1000 epochs / batch 4 / 1 neuron is in all three of the
reference grids) runs once and is counted in each of them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sweep.config import ConfigError, SweepConfig
from trainables.data import minimum_length, prepare, valid_batch_sizes
from trainables.trainable import POINT_AXES

Point = dict[str, int]


@dataclass(frozen=True)
class SweepPlan:
    points: list[Point]  # unique points, in the order the studies first name them
    studies: dict[str, list[Point]]  # each study's own points, in grid order

    def studies_of(self, point: Point) -> list[str]:
        return [name for name, points in self.studies.items() if point in points]


def build_plan(config: SweepConfig, series: np.ndarray) -> SweepPlan:
    _check_data_fits(config, series)
    studies = {
        name: [dict(zip(POINT_AXES, values)) for values in itertools.product(*(getattr(grid, a) for a in POINT_AXES))]
        for name, grid in config.studies.items()
    }
    points: list[Point] = []
    for study_points in studies.values():
        points.extend(point for point in study_points if point not in points)
    return SweepPlan(points=points, studies=studies)


def _check_data_fits(config: SweepConfig, series: np.ndarray) -> None:
    test_size = config.data.test_size
    if len(series) < minimum_length(test_size):
        raise ConfigError(
            f"`data.test_size` ({test_size}) leaves too few training rows: the series has {len(series)} "
            f"observations and needs at least {minimum_length(test_size)}"
        )
    try:
        prepared = prepare(series, test_size)
    except ValueError as error:
        raise ConfigError(f"`data.source` ({config.data.source!r}): {error}") from None
    usable = valid_batch_sizes(prepared)
    for name, grid in config.studies.items():
        for batch_size in grid.batch_size:
            if batch_size not in usable:
                raise ConfigError(
                    f"`studies.{name}.batch_size` ({batch_size}) must divide both the {len(prepared.train)} "
                    f"training rows and the {test_size} test rows; usable sizes: {usable}"
                )
