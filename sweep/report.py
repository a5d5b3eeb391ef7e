"""The study's figures: box plots of test RMSE per study, and diagnostic RMSE curves over epochs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sweep.aggregate import completed_in_study, configuration_labels, point_columns, varying_axes  # noqa: E402
from trainables.spec import canonical_point  # noqa: E402


def box_plot(trials: pd.DataFrame, study: str, persistence: float):
    members, axes_names = completed_in_study(trials, study)
    groups = members.groupby(configuration_labels(members, axes_names), sort=False)["test_rmse"]
    figure, axes = plt.subplots(figsize=(max(4.0, 1.2 * groups.ngroups + 2), 4.5))
    axes.boxplot([values.to_numpy() for _, values in groups], tick_labels=list(groups.groups))
    axes.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    axes.set_xlabel(" / ".join(axes_names))
    axes.set_ylabel("test RMSE (sales)")
    repeats = groups.count().max()
    axes.set_title(f"{study}: test RMSE over {repeats} repeats")
    axes.legend(loc="upper left")
    figure.tight_layout()
    plt.close(figure)
    return figure


def point_file_name(point: dict) -> str:
    return "_".join(f"{axis}{value}" for axis, value in canonical_point(point).items()) + ".png"


def diagnostic_curves(history: pd.DataFrame, point: dict, persistence: float):
    """The study's diagnostic figure: each repeat's train (blue) and test (orange) RMSE over epochs."""
    members = history.drop_duplicates(["trial_id", "repeat", "epoch"])
    for axis, value in point.items():
        members = members[members[axis] == value]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for _, curve in members.groupby("repeat"):
        axes.plot(curve["epoch"], curve["train_rmse"], color="tab:blue", alpha=0.6, linewidth=1)
        axes.plot(curve["epoch"], curve["test_rmse"], color="tab:orange", alpha=0.6, linewidth=1)
    axes.plot([], [], color="tab:blue", label="train")
    axes.plot([], [], color="tab:orange", label="test")
    axes.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    label = ", ".join(f"{axis} {value}" for axis, value in canonical_point(point).items())
    return _finish(figure, axes, f"{label}: {members['repeat'].nunique()} repeats")


def median_curves(history: pd.DataFrame, study: str, persistence: float):
    """Per configuration of a study: median test (solid) and train (dashed) RMSE over repeats."""
    axes = point_columns(history)
    members = history[history["study"] == study].sort_values([*axes, "epoch"])
    medians = members.groupby([*axes, "epoch"], sort=False)[["train_rmse", "test_rmse"]].median().reset_index()
    labels = configuration_labels(medians, varying_axes(members))
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for (label, curve), color in zip(medians.groupby(labels, sort=False), plt.cm.tab10.colors):
        axes.plot(curve["epoch"], curve["test_rmse"], color=color, label=f"{label} test")
        axes.plot(curve["epoch"], curve["train_rmse"], color=color, linestyle=":", label=f"{label} train")
    axes.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    return _finish(figure, axes, f"{study}: median RMSE by {' / '.join(varying_axes(members))}")


def _finish(figure, axes, title: str):
    axes.set_xlabel("epoch")
    axes.set_ylabel("RMSE (sales)")
    axes.set_title(title)
    axes.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    plt.close(figure)  # drawn and saved by the caller; pyplot keeps no reference
    return figure
