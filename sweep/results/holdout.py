"""Held-out origins (`evaluation.holdout: K`): the last K origins take part in no decision, and the chosen configurations
are scored on them.

A search over many configurations reports the lowest of many noisy scores, so the winner's score is biased low. Every
decision (the statistics and robust choice, a race's rounds, Optuna's objective, the confirmation, `forecast`'s choice)
reads the origins before the last K only (`chosen_on`); holdout.csv then scores each study's choice and every baseline
on the held-out origins, where the choice was not made: the honest estimate, beside the selection's own number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sweep.data.grouping import rows_of_each
from sweep.results.columns import BASELINE_SUFFIX, configuration_labels, of_point, varying_axes, with_axis_types
from sweep.results.statistics import compare_to_best
from sweep.results.summary import lowest_mean_point, robust_choices
from trainables import score_column

HOLDOUT_COLUMNS = ["series", "study", "method", "role", "selection_mean", "holdout_mean", "mean_ci_low", "mean_ci_high",
                   "p_vs_best", "best", "differs_from_best", "holdout_origins"]  # fmt: skip


def chosen_on(frame: pd.DataFrame, selection_origins: int) -> pd.DataFrame:
    """The rows of a trials or baselines frame that decisions may read: origins before the held-out ones."""
    return frame[frame["origin"] < selection_origins]


def holdout_frame(
    trials: pd.DataFrame, baselines: pd.DataFrame, statistics: Mapping[str, dict[str, pd.DataFrame]], metric: str, selection_origins: int
) -> pd.DataFrame:
    """holdout.csv: per series and study, its choice (the robust choice; the lowest mean where there is none) and every
    baseline, with the mean on the origins chosen on and on the held-out ones (a 95% bootstrap interval), and the
    Holm-adjusted p-value against the best of them there."""
    score, rows = score_column(metric), []
    completed, completed_baselines = trials[trials["status"] == "completed"], baselines[baselines["status"] == "completed"]
    trial_rows, baseline_rows = rows_of_each(completed["series"]), rows_of_each(completed_baselines["series"])
    for series, studies in statistics.items():
        own, own_baselines = completed.take(trial_rows.get(series, [])), completed_baselines.take(baseline_rows.get(series, []))
        for study, frame in studies.items():
            selection = chosen_on(own, selection_origins)
            point = robust_choices({study: frame}, selection).get(study) or lowest_mean_point(selection, study, metric)
            if point is None:
                continue
            members = own[(own["study"] == study) & of_point(own, point)]
            label = configuration_labels(members, varying_axes(own[own["study"] == study])).iloc[0]
            scored = {label: (members, "chosen")} | {
                f"{name}{BASELINE_SUFFIX}": (group, "baseline") for name, group in own_baselines.groupby("baseline", sort=False)
            }  # fmt: skip
            rows += _scored_rows(series, study, scored, score, selection_origins)
    return with_axis_types(pd.DataFrame(rows, columns=HOLDOUT_COLUMNS), counts=["holdout_origins"])


def _scored_rows(series: str, study: str, scored: dict, score: str, selection_origins: int) -> list[dict]:
    held = {label: frame[frame["origin"] >= selection_origins].set_index("origin")[score] for label, (frame, _) in scored.items()}
    comparison = compare_to_best({label: values for label, values in held.items() if len(values)})
    rows = []
    for label, (frame, role) in scored.items():
        found = comparison.loc[label] if label in comparison.index else pd.Series(dtype=object)
        rows.append({
            "series": series, "study": study, "method": label, "role": role,
            "selection_mean": chosen_on(frame, selection_origins)[score].mean(), "holdout_mean": held[label].mean(),
            **{column: found.get(column, np.nan) for column in ("mean_ci_low", "mean_ci_high", "p_vs_best", "best", "differs_from_best")},
            "holdout_origins": held[label].index.nunique(),
        })  # fmt: skip
    return rows
