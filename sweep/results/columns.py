"""The columns that name a configuration in the trials frame: its axes, the ones a study varies, and its label."""

from __future__ import annotations

import pandas as pd

from trainables import ALL_AXES

BASELINE_SUFFIX = " (baseline)"  # a baseline's column label in the tables: "ets (baseline)"


def point_columns(frame: pd.DataFrame) -> list[str]:
    """The axes a trials or history frame carries, in the canonical order."""
    return [axis for axis in ALL_AXES if axis in frame.columns]


def varying_axes(trials: pd.DataFrame) -> list[str]:
    """The axes a study actually varies, which label its configurations; all axes if none vary."""
    axes = point_columns(trials)
    return [axis for axis in axes if trials[axis].nunique() > 1] or axes


def configuration_labels(trials: pd.DataFrame, axes: list[str]) -> pd.Series:
    """'1000/4' style labels of each row's values on `axes`."""
    labels = ["/".join(str(value) for value in row) for row in trials[axes].itertuples(index=False)]
    return pd.Series(labels, index=trials.index, dtype=object)


def completed_in_study(trials: pd.DataFrame, study: str) -> tuple[pd.DataFrame, list[str]]:
    """A study's completed rows in grid order (the trials frame's), and the axes that label its configurations."""
    members = trials[trials["study"] == study]
    completed = members[members["status"] == "completed"]
    return completed, varying_axes(members)
