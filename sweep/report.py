"""Box plots of test RMSE per study, the study's published figure, with the persistence baseline."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sweep.aggregate import configuration_labels, varying_axes  # noqa: E402
from sweep.storage import atomic_path  # noqa: E402
from trainables.trainable import POINT_AXES  # noqa: E402


def box_plot(trials: pd.DataFrame, study: str, persistence: float, path: Path) -> None:
    members = trials[trials["study"] == study].sort_values([*POINT_AXES, "repeat"])
    groups = members.groupby(configuration_labels(members), sort=False)["test_rmse"]
    figure, axes = plt.subplots(figsize=(max(4.0, 1.2 * groups.ngroups + 2), 4.5))
    axes.boxplot([values.to_numpy() for _, values in groups], tick_labels=list(groups.groups))
    axes.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    axes.set_xlabel(" / ".join(varying_axes(members)))
    axes.set_ylabel("test RMSE (sales)")
    repeats = members.groupby(configuration_labels(members))["repeat"].count().max()
    axes.set_title(f"{study}: test RMSE over {repeats} repeats")
    axes.legend(loc="upper left")
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110)
    plt.close(figure)
