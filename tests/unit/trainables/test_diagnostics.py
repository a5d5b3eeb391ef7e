"""Diagnostics watch training without changing it, and score as the protocol says."""

import pytest

from trainables.contract import DiagnosticReport, TrialRequest, repeat_seed
from trainables.data import prepare
from trainables.engines.keras_loop import KerasRuns
from trainables.model import initial_state
from trainables.spec import ModelSpec
from trainables.trainable import epoch_chunks, run_trial

POINT = {"epochs": 12, "batch_size": 2, "neurons": 2}


def request(engine: str, every: int) -> TrialRequest:
    return TrialRequest(
        point=POINT, repeat_indices=(0, 1), base_seed=5, engine=engine, test_size=12, difference_lag=1, diagnostics_every=every
    )


def test_epoch_chunks():
    assert epoch_chunks(12, 0) == [12]
    assert epoch_chunks(12, 5) == [5, 5, 2]
    assert epoch_chunks(12, 4) == [4, 4, 4]
    assert epoch_chunks(3, 10) == [3]


@pytest.mark.parametrize("engine", ["compiled", "keras"])
def test_diagnostics_do_not_change_the_final_scores(shampoo, engine):
    reports = []
    watched = run_trial(request(engine, every=5), shampoo, report=reports.append)
    plain = run_trial(request(engine, every=0), shampoo, report=reports.append)
    assert [report["epoch"] for report in reports] == [5, 10]  # only the watched trial reported
    assert [DiagnosticReport.from_metrics(report).epoch for report in reports] == [5, 10]
    assert watched.epoch == 12 and len(watched.last_diagnostic.test_rmse) == 2  # the last rides on the result
    assert DiagnosticReport.from_metrics(watched.to_metrics()) == watched.last_diagnostic
    assert plain.last_diagnostic is None and DiagnosticReport.from_metrics(plain.to_metrics()) is None
    assert [row.test_rmse for row in watched.repeats] == [row.test_rmse for row in plain.repeats]
    assert [row.train_rmse for row in watched.repeats] == [row.train_rmse for row in plain.repeats]


def test_last_diagnostic_scores_from_a_reset_state_unlike_the_final_score(shampoo):
    reports = []
    final = run_trial(request("keras", every=POINT["epochs"]), shampoo, report=reports.append)
    data = prepare(shampoo, 12)
    seeds = [repeat_seed(5, POINT, repeat) for repeat in (0, 1)]
    spec = ModelSpec(neurons=POINT["neurons"])
    runs = KerasRuns(data, POINT["batch_size"], spec, [initial_state(spec, seed) for seed in seeds])
    runs.train(POINT["epochs"])
    model = runs.models[0]
    # the protocol: reset, forecast the 20 training inputs (months 5-24); reset, forecast the 12 test inputs
    train_yhat = model.predict(data.train[:, :1].reshape(-1, 1, 1), batch_size=2, verbose=0)[:, 0]
    model.layers[0].reset_state()
    test_yhat = model.predict(data.test[:, :1].reshape(-1, 1, 1), batch_size=2, verbose=0)[:, 0]
    assert reports == []  # every = epochs: the one diagnostic is part of the final result
    assert final.last_diagnostic.train_rmse[0] == pytest.approx(float(data.train_rmse(train_yhat)), rel=1e-6)
    assert final.last_diagnostic.test_rmse[0] == pytest.approx(float(data.test_rmse(test_yhat)), rel=1e-6)
    # the final score warms the state on the training set first, so it differs
    assert final.repeats[0].test_rmse != pytest.approx(final.last_diagnostic.test_rmse[0], rel=1e-4)
