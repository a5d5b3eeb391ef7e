"""Per-epoch diagnostic history, read back from the results Tune stored for each trial."""

from __future__ import annotations

import json

import pandas as pd
from ray import tune

from sweep.plan import SweepPlan
from trainables.contract import DiagnosticReport, TrialRequest


def history_frame(results: tune.ResultGrid, plan: SweepPlan) -> pd.DataFrame:
    """Long format: one row per (study, trial, repeat, reported epoch).

    Tune keeps every report of a trial in its `result.json`, lists intact, so the history survives
    early stopping and a restored sweep alike.
    """
    rows = []
    for result in results:
        if result.path is None:
            continue
        request = TrialRequest.from_tune(result.config)
        for report in _reports(result):
            diagnostic = DiagnosticReport.from_metrics(report)
            if diagnostic is None:
                continue
            scores = zip(request.repeat_indices, diagnostic.train_rmse, diagnostic.test_rmse)
            for repeat, train_rmse, test_rmse in scores:
                for study in plan.studies_of(request.point):
                    rows.append(
                        {"trial_id": report["trial_id"], "study": study, **request.point, "repeat": repeat,
                         "epoch": diagnostic.epoch, "train_rmse": train_rmse, "test_rmse": test_rmse}
                    )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["trial_id", "study", *plan.axis_names, "repeat", "epoch", "train_rmse", "test_rmse"])
    return frame.sort_values(["study", *plan.axis_names, "repeat", "epoch"], ignore_index=True)


def _reports(result: tune.Result) -> list[dict]:
    try:
        with result.filesystem.open_input_stream(f"{result.path}/result.json") as stream:
            lines = stream.read().decode().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]
