"""Held-out origins across a catalogue (`evaluation.holdout` with several series): the one configuration chosen across
series, scored where it was not chosen.

holdout.csv chooses per series; a user with a catalogue deploys one configuration for all of it. Each study's
configuration of lowest mean rank across series on the origins chosen on (the across-series tables' best, and
`forecast`'s choice for a catalogue) is judged on the held-out origins beside its seed ensemble (the median of its
repeats: what `forecast` delivers) and every baseline, as the across-series tables judge methods: mean and median score
over series, mean rank, series won, Holm-adjusted signed-rank p-value against the best there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.results.across_series import compare_across, finite_mean, lowest_mean_rank_point
from sweep.results.columns import BASELINE_SUFFIX, configuration_labels, of_point, varying_axes
from sweep.results.holdout import chosen_on
from trainables import score_column

ENSEMBLE_SUFFIX = " (ensemble)"
HOLDOUT_ACROSS_COLUMNS = ["study", "method", "role", "selection_mean", "holdout_mean", "median", "mean_rank", "series_won",
                          "p_vs_best", "verdict", "series", "holdout_origins"]  # fmt: skip


def holdout_across_frame(
    trials: pd.DataFrame, ensembled: pd.DataFrame, baselines: pd.DataFrame, studies: list[str], metric: str, selection_origins: int
) -> pd.DataFrame:  # fmt: skip
    """holdout_across.csv: per study, its across-series choice (`role` chosen: the mean single repeat; ensemble: the
    median of its repeats, `scored_as_ensembles`'s rows) and every baseline, per-series means over the held-out origins
    compared across series; `selection_mean` is the same mean over the origins chosen on."""
    completed = trials[trials["status"] == "completed"]
    done = baselines[baselines["status"] == "completed"]
    frames = []
    for study in studies:
        point = lowest_mean_rank_point(chosen_on(completed, selection_origins), study, metric)
        if point is None:
            continue
        own = completed[completed["study"] == study]
        members = own[of_point(own, point)]
        label = configuration_labels(members, varying_axes(trials[trials["study"] == study])).iloc[0]
        methods = {
            label: (members, "chosen"),
            f"{label}{ENSEMBLE_SUFFIX}": (ensembled[(ensembled["study"] == study) & of_point(ensembled, point)], "ensemble"),
        }
        methods |= {f"{name}{BASELINE_SUFFIX}": (group, "baseline") for name, group in done.groupby("baseline", sort=False)}
        frames.append(_judged(study, methods, score_column(metric), selection_origins, list(dict.fromkeys(members["series"]))))
    return pd.DataFrame(pd.concat(frames, ignore_index=True) if frames else [], columns=HOLDOUT_ACROSS_COLUMNS)


def _judged(
    study: str, methods: dict[str, tuple[pd.DataFrame, str]], score: str, selection_origins: int, series: list[str]
) -> pd.DataFrame:
    def means(held_out: bool) -> pd.DataFrame:
        by_method = {}
        for method, (frame, _) in methods.items():
            rows = frame[(frame["origin"] >= selection_origins) == held_out]
            by_method[method] = rows.groupby("series")[score].agg(finite_mean).reindex(series)
        return pd.DataFrame(by_method).fillna(np.inf)  # a series a method has no finite score on ranks it last there

    held = means(held_out=True)
    comparison, _, _ = compare_across(held)
    origins = {method: frame.loc[frame["origin"] >= selection_origins, "origin"].nunique() for method, (frame, _) in methods.items()}
    return comparison.drop(columns="baseline").rename(columns={"mean": "holdout_mean"}).reset_index().assign(
        study=study, role=[methods[method][1] for method in comparison.index], selection_mean=means(held_out=False).mean().to_numpy(),
        series=len(series), holdout_origins=[origins[method] for method in comparison.index],
    )[HOLDOUT_ACROSS_COLUMNS]  # fmt: skip
