"""The columns that name a configuration in the trials frame: its axes, the ones a study varies, its label, and the
typed points behind the labels (a point is read from the configurations' own rows, never from a table that also
holds baselines)."""

from __future__ import annotations

import pandas as pd

from trainables import ALL_AXES, AXIS_TYPES, Point, point_label, typed_point

BASELINE_SUFFIX = " (baseline)"  # a baseline's column label in the tables: "ets (baseline)"
# Each axis's column type: nullable integers, so that a baseline's row (no point) leaves an integer axis empty instead of
# turning every value of it into a float; floats and names keep NaN as their empty value.
_COLUMN_TYPES = {int: "Int64", float: "float64", str: "str"}
COUNT_COLUMN_TYPE = "Int64"  # counts and positions a failed trial leaves empty (training_rows, forecast_batch_size, ...)


def point_columns(frame: pd.DataFrame) -> list[str]:
    """The axes a trials or history frame carries, in the canonical order."""
    return [axis for axis in ALL_AXES if axis in frame.columns]


def with_axis_types(frame: pd.DataFrame, counts: list[str] = ()) -> pd.DataFrame:
    """The frame with each axis column in its declared type (and each of `counts` a nullable integer)."""
    types = {axis: _COLUMN_TYPES[AXIS_TYPES[axis]] for axis in point_columns(frame)}
    return frame.astype(types | {column: COUNT_COLUMN_TYPE for column in counts if column in frame.columns})


def of_point(frame: pd.DataFrame, point: Point) -> pd.Series:
    """Which rows of a frame hold `point` (a baseline's empty axes never match)."""
    return (frame[list(point)] == pd.Series(point)).fillna(False).astype(bool).all(axis=1)


def varying_axes(trials: pd.DataFrame) -> list[str]:
    """The axes a study actually varies, which label its configurations; all axes if none vary."""
    axes = point_columns(trials)
    return [axis for axis in axes if trials[axis].nunique() > 1] or axes


def configuration_labels(trials: pd.DataFrame, axes: list[str]) -> pd.Series:
    """'1000/4' style labels of each row's values on `axes` (`point_label`: one spelling everywhere)."""
    keys = trials[axes].drop_duplicates()
    label_of = {key: point_label(dict(zip(axes, key)), axes) for key in keys.itertuples(index=False, name=None)}
    labels = [label_of[key] for key in trials[axes].itertuples(index=False, name=None)]
    return pd.Series(labels, index=trials.index, dtype=object)


def completed_in_study(trials: pd.DataFrame, study: str) -> tuple[pd.DataFrame, list[str]]:
    """A study's completed rows in grid order (the trials frame's), and the axes that label its configurations."""
    members = trials[trials["study"] == study]
    completed = members[members["status"] == "completed"]
    return completed, varying_axes(members)


def points_by_label(trials: pd.DataFrame, study: str) -> dict[str, Point]:
    """Each of a study's configurations by its table label, as a typed point read from its own trial rows."""
    members = trials[trials["study"] == study]
    axes, every_axis = varying_axes(members), point_columns(members)
    rows = members[every_axis].drop_duplicates()
    return {point_label(point, axes): point for point in (typed_point(row) for row in rows.to_dict("records"))}
