"""A tiny sweep end to end through a real local Ray: trials, files, tables, plots."""

import contextlib
import io
import json
import os
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.cli.run import main
from sweep.config.loading import load_config

TINY = """\
name: tiny
repeats: 2
seed: 3
diagnostics: {every: 1}
studies:
  epochs: {epochs: [1, 2], batch_size: [4], neurons: [1]}
  neurons: {epochs: [1], batch_size: [4], neurons: [1, 2]}
"""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ENGINES = {"compiled": "engine: compiled\nresources: {shapes_per_worker: 1}\n", "keras": "engine: keras\n"}


@pytest.fixture(scope="module", params=["compiled", "keras"])
def tiny_sweep(request, sweeps):
    """The compiled engine trains a point's repeats in one trial; the keras engine runs one trial each (the factory
    asserts that the run succeeded); the compiled run's worker is replaced after each shape."""
    return sweeps.run(TINY + ENGINES[request.param])


def test_sweep_succeeds_and_writes_every_output(tiny_sweep):
    results, _ = tiny_sweep
    for name in (
        "trials.parquet", "summary.csv", "epochs_boxplot.png", "neurons_boxplot.png", "config.yaml", "history.parquet",
        "epochs_diagnostics.png", "neurons_diagnostics.png", "diagnostics/epochs2_batch_size4_neurons1.png",
        "report.html", "forecasts.parquet", "epochs_forecasts.png",
    ):  # fmt: skip
        assert (results / name).is_file(), name
    assert (results / "tune").is_dir()
    for png in results.glob("**/*.png"):
        assert png.read_bytes()[:8] == PNG_SIGNATURE
    assert not list(results.glob(".*")), "no temporary files left behind"
    umask = os.umask(0)
    os.umask(umask)
    assert (results / "trials.parquet").stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


def test_trials_table_has_one_row_per_study_and_trial(tiny_sweep):
    results, _ = tiny_sweep
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert list(trials.columns) == [
        "series",
        "study",
        "epochs",
        "batch_size",
        "neurons",
        "repeat",
        "origin",
        "test_start",
        "seed",
        "status",
        "epochs_trained",
        "test_rmse",
        "test_mae",
        "test_smape",
        "test_mase",
        "test_msis",
        "test_crps",
        "train_rmse",
        "fit_seconds",
        "compile_seconds",
        "training_rows",
        "trimmed_rows",
        "epochs_chosen",
        "forecast_batch_size",
        "trial_id",
        "node_id",
        "failures",
        "error",
    ]
    assert (trials["failures"] == 0).all()  # no worker died
    # the protocol's trim: 22 training rows to 20, forecasts at the training batch size
    assert (trials["training_rows"] == 20).all() and (trials["trimmed_rows"] == 2).all()
    assert (trials["forecast_batch_size"] == 4).all()
    # 3 unique points x 2 repeats; the shared point 1/4/1 is listed in both studies
    assert len(trials) == 8 and (trials["series"] == "shampoo").all()
    assert trials.drop_duplicates(["epochs", "neurons", "repeat"]).shape[0] == 6
    trials_per_point = 1 if _engine(results) == "compiled" else 2  # compiled trains a point's repeats together
    assert (trials.groupby(["epochs", "neurons"])["trial_id"].nunique() == trials_per_point).all()
    assert trials.groupby("study").size().to_dict() == {"epochs": 4, "neurons": 4}
    shared = trials[(trials.epochs == 1) & (trials.neurons == 1)]
    assert shared.groupby("repeat")["trial_id"].nunique().eq(1).all()
    assert trials["seed"].nunique() == 6
    assert (trials["status"] == "completed").all() and (trials["epochs_trained"] == trials["epochs"]).all()
    assert (trials["test_rmse"] > 0).all() and (trials["fit_seconds"] > 0).all()
    assert (trials["origin"] == 0).all() and (trials["test_start"] == 24).all()  # one origin: the protocol's last 12


def test_forecasts_table_holds_every_forecast_behind_the_scores(tiny_sweep):
    results, _ = tiny_sweep
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    assert len(forecasts) == len(trials) * 12 and forecasts["baseline"].isna().all()
    assert forecasts["ds"].iloc[:12].tolist() == [pd.Timestamp(f"1903-{month:02d}-01") for month in range(1, 13)]
    keys = ["study", "epochs", "neurons", "repeat", "origin"]
    rescored = forecasts.groupby(keys).apply(lambda rows: np.sqrt(np.mean((rows["forecast"] - rows["y"]) ** 2)), include_groups=False)
    assert np.allclose(trials.set_index(keys)["test_rmse"].sort_index(), rescored.sort_index(), rtol=1e-12)


def _engine(results) -> str:
    return load_config(results / "config.yaml").engine


def test_summary_is_describe_per_study_and_point(tiny_sweep):
    results, _ = tiny_sweep
    summary = pd.read_csv(results / "summary.csv")
    assert list(summary.columns) == [
        "series",
        "study",
        "epochs",
        "batch_size",
        "neurons",
        "count",
        "mean",
        "std",
        "min",
        "25%",
        "50%",
        "75%",
        "max",
        "mean_ci_low",
        "mean_ci_high",
        "median_ci_low",
        "median_ci_high",
        "best",
        "p_vs_best",
        "diverged",
        "differs_from_best",
        "p90",
        "robust_choice",
        "stopped",
        "failed",
        "ensemble",
        "ensemble_gain",
    ]
    assert len(summary) == 4 and (summary["count"] == 2).all()
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    expected = trials[(trials.study == "epochs") & (trials.epochs == 2)]["test_rmse"].mean()
    assert summary[(summary.study == "epochs") & (summary.epochs == 2)]["mean"].item() == pytest.approx(expected)


def test_each_configurations_seed_ensemble_is_scored_as_forecast_delivers_it(tiny_sweep):
    """k = 1 is the mean single repeat (the protocol's score); k = all the median of every repeat's forecasts, scored."""
    results, printed = tiny_sweep
    ensembles, summary = pd.read_csv(results / "ensembles.csv"), pd.read_csv(results / "summary.csv")
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    keys = ["study", "epochs", "batch_size", "neurons"]
    single = ensembles[ensembles["k"] == 1].set_index(keys)["rmse"]
    expected = trials.groupby(keys)["test_rmse"].mean().sort_index()
    pd.testing.assert_series_equal(single.sort_index(), expected, check_names=False, check_index_type=False)
    assert set(ensembles["k"]) == {1, 2} and (ensembles["repeats"] == 2).all()
    median = forecasts.groupby([*keys, "index"]).agg(y=("y", "first"), forecast=("forecast", "median"))
    by_hand = median.groupby(keys).apply(lambda rows: np.sqrt(np.mean((rows["forecast"] - rows["y"]) ** 2)), include_groups=False)
    whole = ensembles[ensembles["k"] == 2].set_index(keys)["rmse"]
    pd.testing.assert_series_equal(whole.sort_index(), by_hand.sort_index(), check_names=False, check_index_type=False)
    gains = summary.set_index(keys)["ensemble_gain"].sort_index()
    np.testing.assert_allclose(gains, (100 * (1 - whole / single)).sort_index())
    assert "ensemble (median of repeats)" in printed and "ensemble gain (%)" in printed


def test_report_is_one_self_contained_page(tiny_sweep):
    results, _ = tiny_sweep
    page = (results / "report.html").read_text()
    assert "<h2>Study epochs</h2>" in page and "<h2>Study neurons</h2>" in page
    assert "Persistence baseline (each forecast = the last observation): <b>136.761</b>" in page
    assert page.count("data:image/png;base64,") == len(list(results.glob("**/*.png")))  # every figure inlined
    assert not re.search(r'(src|href)="(https?:|//|[^"d#])', page)  # nothing to fetch: opens offline
    assert "<th>Ray nodes</th><td>1</td>" in page and "<th>ray</th>" in page


def test_history_has_one_row_per_reported_epoch_per_trial(tiny_sweep):
    results, _ = tiny_sweep
    history = pq.read_table(results / "history.parquet").to_pandas()
    assert list(history.columns) == [
        "trial_id",
        "study",
        "epochs",
        "batch_size",
        "neurons",
        "repeat",
        "epoch",
        "train_rmse",
        "test_rmse",
    ]
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    # every: 1 -> one row per epoch of every (study, repeat) row in trials.parquet
    assert len(history) == trials["epochs"].sum()
    per_row = history.groupby(["study", "epochs", "neurons", "repeat"])["epoch"].apply(list)
    for (_study, epochs, _neurons, _repeat), reported in per_row.items():
        assert reported == list(range(1, epochs + 1))
    assert history[["train_rmse", "test_rmse"]].notna().all().all()


def test_cli_prints_each_study_table_and_the_baseline(tiny_sweep):
    _, printed = tiny_sweep
    assert "== study epochs: test RMSE (sales) ==" in printed and "== study neurons: test RMSE (sales) ==" in printed
    assert "persistence baseline (each forecast = the last observation): test RMSE 136.761" in printed
    assert "p vs best (Holm)" in printed and "mean 95% CI low" in printed
    epochs_table = printed.split("== study epochs: test RMSE (sales) ==")[1].splitlines()[1]
    assert epochs_table.split() == ["epochs", "1", "2"]  # configurations as columns, the study's shape


def test_a_filesystem_uri_and_tracking_give_the_same_numbers_and_each_trial_is_an_mlflow_run(tmp_path, sweeps, monkeypatch):
    """`storage` takes pyarrow URIs (s3://, gs://, ...): a file:// URI goes through the same code. The run is the
    compiled tiny sweep again under another name, tracked, its one worker never replaced: its numbers are the first
    run's to the last digit; each trial is an MLflow run (a local file store) with the point as params and every repeat's
    scores as metrics, and TensorBoard files with the same scalars are in each trial's folder."""
    from mlflow.tracking import MlflowClient

    first, _ = sweeps.run(TINY + ENGINES["compiled"])
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps its file store only on request
    store = (tmp_path / "mlruns").as_uri()
    tracking = f"tracking: {{mlflow: true, mlflow_tracking_uri: {store}, mlflow_experiment: lstm-sweep-test}}\n"
    (tmp_path / "uri.yaml").write_text(TINY.replace("name: tiny", "name: uri") + "engine: compiled\n" + tracking)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--config", str(tmp_path / "uri.yaml"), "--storage", f"file://{tmp_path}/remote"]) == 0
    results = tmp_path / "remote" / "uri"
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert len(trials) == 8 and (results / "tune").is_dir()
    keys = ["study", "epochs", "batch_size", "neurons", "repeat", "seed", "test_rmse", "train_rmse"]
    pd.testing.assert_frame_equal(pq.read_table(first / "trials.parquet").to_pandas()[keys], trials[keys])  # to the last digit

    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("lstm-sweep-test").experiment_id])
    points = trials.drop_duplicates(["epochs", "neurons"])
    assert sorted(run.info.run_name for run in runs) == sorted(
        f"epochs={epochs},neurons={neurons} r0-1 shampoo" for epochs, neurons in zip(points["epochs"], points["neurons"])
    )
    for run in runs:
        assert run.data.params["trial/point/batch_size"] == "4" and run.data.tags["lstm-sweep"] == "uri"
        point = (trials["epochs"] == int(run.data.params["epochs"])) & (trials["neurons"] == int(run.data.params["neurons"]))
        scores = trials[point].drop_duplicates("repeat").set_index("repeat")["test_rmse"]
        assert [run.data.metrics[f"repeat_{repeat}/test_rmse"] for repeat in (0, 1)] == pytest.approx(scores.loc[[0, 1]].tolist())
    events = sorted((results / "tune").glob("trial_*/events.out.tfevents.*"))
    assert len(events) == 3 and all(b"repeat_1/test_mase" in event.read_bytes() for event in events)
    assert f"tensorboard --logdir {results / 'tune'}" in printed.getvalue()


def test_a_worker_is_replaced_after_its_shapes_without_a_failure(sweeps):
    """`resources.shapes_per_worker: 1`: the points of one compiled shape (epochs 1 and 2 of one unit) share a worker,
    the next shape (2 units) starts in a fresh one, and no trial failed or ran twice on the way."""
    results, _ = sweeps.run(TINY + ENGINES["compiled"])
    worker = {}
    for path in (results / "tune").glob("trial_*/result.json"):
        report = json.loads(path.read_text().splitlines()[-1])
        point = report["config"]["trial"]["point"]
        worker[point["epochs"], point["neurons"]] = report["pid"]
    assert worker[1, 1] == worker[2, 1] != worker[1, 2]
    assert not list((results / "tune").glob("trial_*/error.txt"))
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert set(trials["status"]) == {"completed"} and len(trials) == 8
