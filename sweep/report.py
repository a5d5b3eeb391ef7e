"""The study's figures: box plots of test RMSE per study, and diagnostic RMSE curves over epochs.

`unit` is the series' unit (its column name, or the built-in series' unit), shown on every axis.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sweep.aggregate import completed_in_study, configuration_labels, point_columns, varying_axes  # noqa: E402
from trainables.spec import canonical_point  # noqa: E402


def box_plot(trials: pd.DataFrame, study: str, persistence: float, unit: str):
    members, axis_names = completed_in_study(trials, study)
    groups = members.groupby(configuration_labels(members, axis_names), sort=False)["test_rmse"]
    figure, ax = plt.subplots(figsize=(max(4.0, 1.2 * groups.ngroups + 2), 4.5))
    ax.boxplot([values.to_numpy() for _, values in groups], tick_labels=list(groups.groups))
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    ax.set_xlabel(" / ".join(axis_names))
    ax.set_ylabel(f"test RMSE ({unit})")
    repeats = groups.count().max()
    ax.set_title(f"{study}: test RMSE over {repeats} repeats")
    ax.legend(loc="upper left")
    figure.tight_layout()
    plt.close(figure)
    return figure


def point_file_name(point: dict) -> str:
    return "_".join(f"{axis}{value}" for axis, value in canonical_point(point).items()) + ".png"


def diagnostic_curves(history: pd.DataFrame, point: dict, persistence: float, unit: str):
    """The study's diagnostic figure: each repeat's train (blue) and test (orange) RMSE over epochs."""
    members = history.drop_duplicates(["trial_id", "repeat", "epoch"])
    for axis, value in point.items():
        members = members[members[axis] == value]
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for _, curve in members.groupby("repeat"):
        ax.plot(curve["epoch"], curve["train_rmse"], color="tab:blue", alpha=0.6, linewidth=1)
        ax.plot(curve["epoch"], curve["test_rmse"], color="tab:orange", alpha=0.6, linewidth=1)
    ax.plot([], [], color="tab:blue", label="train")
    ax.plot([], [], color="tab:orange", label="test")
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    label = ", ".join(f"{axis} {value}" for axis, value in canonical_point(point).items())
    return _finish(figure, ax, f"{label}: {members['repeat'].nunique()} repeats", unit)


def median_curves(history: pd.DataFrame, study: str, persistence: float, unit: str):
    """Per configuration of a study: median test (solid) and train (dotted) RMSE over repeats."""
    axis_names = point_columns(history)
    members = history[history["study"] == study].sort_values([*axis_names, "epoch"])
    medians = members.groupby([*axis_names, "epoch"], sort=False)[["train_rmse", "test_rmse"]].median().reset_index()
    labels = configuration_labels(medians, varying_axes(members))
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for (label, curve), color in zip(medians.groupby(labels, sort=False), plt.cm.tab10.colors):
        ax.plot(curve["epoch"], curve["test_rmse"], color=color, label=f"{label} test")
        ax.plot(curve["epoch"], curve["train_rmse"], color=color, linestyle=":", label=f"{label} train")
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    return _finish(figure, ax, f"{study}: median RMSE by {' / '.join(varying_axes(members))}", unit)


def _finish(figure, ax, title: str, unit: str):
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"RMSE ({unit})")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    plt.close(figure)  # drawn and saved by the caller; pyplot keeps no reference
    return figure
