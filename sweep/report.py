"""The study's figures: box plots of test RMSE per study, and diagnostic RMSE curves over epochs.

`unit` is the series' unit (its column name, or the built-in series' unit), shown on every axis.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sweep.aggregate import completed_in_study, configuration_labels, point_columns, varying_axes  # noqa: E402
from trainables.spec import canonical_point  # noqa: E402

BOXES_PER_FIGURE = 40  # a wider figure stops being readable (and matplotlib refuses past 2^16 pixels)
MAX_LEGEND_CURVES = 12  # more configurations than this: colours from a colormap, no legend


def box_plots(trials: pd.DataFrame, study: str, persistence: float, unit: str) -> list:
    """One box per configuration, in grid order, `BOXES_PER_FIGURE` to a figure."""
    members, axis_names = completed_in_study(trials, study)
    groups = list(members.groupby(configuration_labels(members, axis_names), sort=False)["test_rmse"])
    pages = [groups[start : start + BOXES_PER_FIGURE] for start in range(0, len(groups), BOXES_PER_FIGURE)] or [[]]
    repeats = max((len(values) for _, values in groups), default=0)
    figures = []
    for number, page in enumerate(pages, 1):
        inches_per_box = 1.2 if len(page) <= 12 else 0.5  # narrower boxes, rotated labels, for wide studies
        figure, ax = plt.subplots(figsize=(max(4.0, inches_per_box * len(page) + 2), 4.5))
        ax.boxplot([values.dropna().to_numpy() for _, values in page], tick_labels=[label for label, _ in page])
        ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
        ax.set_xlabel(" / ".join(axis_names))
        ax.set_ylabel(f"test RMSE ({unit})")
        part = f" (part {number} of {len(pages)})" if len(pages) > 1 else ""
        ax.set_title(f"{study}: test RMSE over {repeats} repeats{part}")
        ax.tick_params(axis="x", labelrotation=90 if len(page) > 12 else 0)
        ax.legend(loc="upper left")
        figure.tight_layout()
        plt.close(figure)
        figures.append(figure)
    return figures


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
    curves = list(medians.groupby(labels, sort=False))
    colors = plt.cm.tab10.colors if len(curves) <= 10 else plt.cm.viridis(np.linspace(0, 1, len(curves)))
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for (label, curve), color in zip(curves, colors):
        ax.plot(curve["epoch"], curve["test_rmse"], color=color, label=f"{label} test")
        ax.plot(curve["epoch"], curve["train_rmse"], color=color, linestyle=":", label=f"{label} train")
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    title = f"{study}: median RMSE by {' / '.join(varying_axes(members))}"
    if len(curves) > MAX_LEGEND_CURVES:
        title += f"\n{len(curves)} configurations, coloured in grid order (viridis)"
    return _finish(figure, ax, title, unit, legend=len(curves) <= MAX_LEGEND_CURVES)


def _finish(figure, ax, title: str, unit: str, legend: bool = True):
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"RMSE ({unit})")
    ax.set_title(title)
    if legend:
        ax.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    plt.close(figure)  # drawn and saved by the caller; pyplot keeps no reference
    return figure
