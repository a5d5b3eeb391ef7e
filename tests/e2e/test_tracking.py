"""Experiment tracking: one MLflow run per trial (a local file store) with the point as params and every
repeat's scores as metrics, and TensorBoard files with the same scalars in each trial's folder."""

import pandas as pd
import pytest

TRACKED = """\
name: tracked
repeats: 2
data: {source: shampoo}
tracking: {mlflow: true, mlflow_tracking_uri: STORE, mlflow_experiment: lstm-sweep-test}
studies:
  units: {epochs: [2], batch_size: [4], neurons: [1, 2]}
"""


def test_each_trial_is_an_mlflow_run_with_its_point_and_every_repeat_score(tmp_path, sweeps, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps its file store only on request
    store = (tmp_path / "mlruns").as_uri()
    results, printed = sweeps.run(TRACKED.replace("STORE", store))
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("lstm-sweep-test").experiment_id])
    assert sorted(run.info.run_name for run in runs) == ["neurons=1 r0-1 shampoo", "neurons=2 r0-1 shampoo"]
    trials = pd.read_parquet(results / "trials.parquet")
    for run in runs:
        assert run.data.params["trial/point/epochs"] == "2" and run.data.tags["lstm-sweep"] == "tracked"
        scores = trials[trials["neurons"] == int(run.data.params["neurons"])].set_index("repeat")["test_rmse"]
        assert [run.data.metrics[f"repeat_{repeat}/test_rmse"] for repeat in (0, 1)] == pytest.approx(scores.loc[[0, 1]].tolist())
    events = sorted((results / "tune").glob("trial_*/events.out.tfevents.*"))
    assert len(events) == 2 and all(b"repeat_1/test_mase" in event.read_bytes() for event in events)
    assert f"tensorboard --logdir {results / 'tune'}" in printed
