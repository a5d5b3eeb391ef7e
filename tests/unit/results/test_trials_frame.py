"""trials.parquet's frame built a piece of rows at a time is the frame built at once: every value, type and row, whatever
mix of completed, failed and unfinished trials (NaN scores and errors where a piece has none) the pieces hold."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

import sweep.results.trials as trials_module
from sweep.config.loading import parse_config
from sweep.planning.plan import build_plan
from sweep.planning.requests import trial_request
from sweep.results.decode import decode
from trainables import FinalReport, RepeatScores


@dataclass
class StandInResult:  # what decode reads of a Tune Result
    metrics: dict
    config: dict
    error: Exception | None = None
    path: str | None = None


def test_a_frame_built_in_pieces_is_the_frame_built_at_once(monkeypatch):
    studies = {"a": {"epochs": [1, 2, 3, 4], "batch_size": [4], "neurons": [1]}, "b": {"epochs": [2], "batch_size": [4], "neurons": [1, 2]}}
    config = parse_config({"name": "x", "repeats": 2, "studies": studies})
    plan = build_plan(config, {"s": np.sin(np.arange(48.0)) * 100 + np.arange(48.0)})
    results = []
    for position, point in enumerate(plan.points):
        request = trial_request(config, point, range(2), ["s"])
        if position % 3 == 1:  # failed, after its retries
            results.append(StandInResult({"trial_id": f"t{position}"}, request.tune_config(), RuntimeError("out of memory")))
        elif position % 3 == 2:  # unfinished: no report
            results.append(StandInResult({}, request.tune_config()))
        else:
            scores = [RepeatScores(r, seed, float(10 + r), 1.0, 0.01, 0.0, series="s", test_mase=np.nan)
                      for r, seed in zip(request.repeat_indices, request.seeds)]  # fmt: skip
            final = FinalReport(epoch=point["epochs"], repeats=scores, forecast_batch_size=4)
            results.append(StandInResult(final.to_metrics() | {"trial_id": f"t{position}"}, request.tune_config()))
    decoded = decode(results, early_stopping=False, failures={}, parts=None)
    whole = trials_module.trials_frame(decoded, plan, race=False)
    monkeypatch.setattr(trials_module, "ROWS_PER_PIECE", 1)  # a piece per trial: some all failed, some all completed
    pieces = trials_module.trials_frame(decoded, plan, race=False)
    pd.testing.assert_frame_equal(pieces, whole, check_exact=True)
    assert set(whole["status"]) == {"completed", "failed", "unfinished"} and whole["test_rmse"].dtype == np.float64
    assert (whole.loc[whole["status"] == "failed", "error"] == "out of memory").all()
