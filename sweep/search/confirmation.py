"""Confirmation (`search.confirm`): each study's robust choice re-run with seeds it has never seen.

The best of many noisy configurations looks better than it is: part of why it was chosen is luck.
Repeats `repeats` .. `2 * repeats - 1` of the chosen point have seeds no trial of the sweep used
(a seed derives from the repeat index), so their mean says what the choice does on new seeds; both
figures are reported (selection against confirmation).
"""

from __future__ import annotations

import pandas as pd

from sweep.config.model import SweepConfig
from sweep.planning.plan import point_key
from sweep.results.columns import of_point, with_axis_types
from sweep.results.decode import DecodedTrial
from trainables import Point, TrialStatus, point_label, score_column


def chosen_points(choices: dict[str, dict]) -> list[Point]:
    """The studies' choices, each point once (studies can choose the same one)."""
    return list({point_key(point): point for point in choices.values()}.values())


def fresh_repeat_groups(config: SweepConfig) -> list[list[int]]:
    """Repeats `repeats` .. `2 * repeats - 1`, grouped into trials as the sweep groups its own."""
    return [[repeat + config.repeats for repeat in group] for group in config.repeat_groups]


def confirmation_frame(
    trials_run: list[DecodedTrial], choices: dict[str, dict], trials: pd.DataFrame, metric: str, selection_origins: int
) -> pd.DataFrame:
    """Per study: the choice, its mean over the sweep's repeats (selection) and over the fresh ones (confirmation), both
    on the origins chosen on (`evaluation.holdout` keeps the rest out), and the fresh repeats that failed after their
    retries."""
    score = score_column(metric)
    fresh = [
        (point_key(trial.request.point), getattr(row, score))
        for trial in trials_run
        if trial.final is not None
        for row in trial.repeats()
        if row.origin < selection_origins
    ]
    failed = [
        (point_key(trial.request.point), len(trial.request.repeat_indices)) for trial in trials_run if trial.status is TrialStatus.FAILED
    ]
    rows = []
    for study, point in choices.items():
        members = trials[(trials["study"] == study) & (trials["status"] == "completed") & (trials["origin"] < selection_origins)]
        selected = members[of_point(members, point)][score]
        confirmed = pd.Series([value for key, value in fresh if key == point_key(point)], dtype=float)
        rows.append({"study": study, **point, "selection_mean": selected.mean(), "selection_repeats": len(selected),
                     "confirmation_mean": confirmed.mean(), "confirmation_repeats": len(confirmed),
                     "confirmation_failed": sum(count for key, count in failed if key == point_key(point))})  # fmt: skip
    return with_axis_types(pd.DataFrame(rows))


def confirmation_lines(frame: pd.DataFrame, axes: list[str]) -> list[str]:
    lines = []
    for row, point in zip(frame.itertuples(index=False), frame[[axis for axis in axes if axis in frame.columns]].to_dict("records")):
        label = point_label(point, list(point))
        lines.append(
            f"{row.study}: robust choice {label} on {row.confirmation_repeats} fresh seeds: mean {row.confirmation_mean:.3f} "
            f"(selection: {row.selection_mean:.3f} over {row.selection_repeats} repeats)"
        )
    return lines
