"""Per-epoch diagnostic history, read back from the results Tune stored for each trial."""

from __future__ import annotations

import pandas as pd

from sweep.planning.plan import SweepPlan
from sweep.results.decode import DecodedTrial
from trainables import DiagnosticReport, trial_id


def history_frame(trials: list[DecodedTrial], plan: SweepPlan) -> pd.DataFrame:
    """Long format: one row per (study, trial, repeat, reported epoch), from every report each trial made."""
    rows = []
    for trial in trials:
        request = trial.request
        for report in trial.reports():
            diagnostic = DiagnosticReport.from_metrics(report)
            if diagnostic is None:
                continue
            scores = zip(request.repeat_indices, diagnostic.train_rmse, diagnostic.test_rmse)
            for repeat, train_rmse, test_rmse in scores:
                for study in plan.studies_of(request.point):
                    rows.append(
                        {"trial_id": trial_id(report), "study": study, **request.point, "repeat": repeat,
                         "epoch": diagnostic.epoch, "train_rmse": train_rmse, "test_rmse": test_rmse}
                    )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["trial_id", "study", *plan.axis_names, "repeat", "epoch", "train_rmse", "test_rmse"])
    return frame.sort_values(["study", *plan.axis_names, "repeat", "epoch"], ignore_index=True)
