"""Turn Tune's ResultGrid into one row per (study, trial) and the study's describe() tables."""

from __future__ import annotations

import pandas as pd
from ray import tune

from sweep.plan import SweepPlan
from trainables.trainable import POINT_AXES

TRIAL_COLUMNS = ["study", *POINT_AXES, "repeat", "seed", "test_rmse", "train_rmse", "fit_seconds", "compile_seconds", "trial_id"]


def trials_frame(results: tune.ResultGrid, plan: SweepPlan) -> pd.DataFrame:
    """One row per study a trial's point belongs to: a shared point's trial appears in each study."""
    rows = []
    for result in results:
        if result.error is not None or "per_repeat" not in result.metrics:
            continue
        point = result.config["point"]
        for repeat_row in result.metrics["per_repeat"]:
            for study in plan.studies_of(point):
                rows.append({"study": study, **point, **repeat_row, "trial_id": result.metrics["trial_id"]})
    frame = pd.DataFrame(rows, columns=TRIAL_COLUMNS)
    return frame.sort_values(["study", *POINT_AXES, "repeat"], ignore_index=True)


def failed_trials(results: tune.ResultGrid) -> list[str]:
    return [f"{result.config.get('point')} repeats {result.config.get('repeats')}: {result.error}" for result in results if result.error]


def summarize(trials: pd.DataFrame) -> pd.DataFrame:
    """describe() of test RMSE, one row per (study, point): count, mean, std, min, quartiles, max."""
    return trials.groupby(["study", *POINT_AXES], sort=False)["test_rmse"].describe().reset_index()


def varying_axes(trials: pd.DataFrame) -> list[str]:
    """The axes a study actually varies, which label its configurations; all axes if none vary."""
    return [axis for axis in POINT_AXES if trials[axis].nunique() > 1] or list(POINT_AXES)


def configuration_labels(trials: pd.DataFrame) -> pd.Series:
    return trials[varying_axes(trials)].astype(str).agg("/".join, axis=1)


def study_table(trials: pd.DataFrame, study: str) -> pd.DataFrame:
    """The study's own table shape: describe() rows, one column per configuration in grid order."""
    members = trials[trials["study"] == study].sort_values([*POINT_AXES, "repeat"])
    columns = {
        label: group["test_rmse"].reset_index(drop=True)
        for label, group in members.groupby(configuration_labels(members), sort=False)
    }
    table = pd.DataFrame(columns).describe()
    table.columns.name = "/".join(varying_axes(members))
    return table
