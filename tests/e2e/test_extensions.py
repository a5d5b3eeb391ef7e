"""The study's proposed extensions as grid axes, end to end through a real local Ray."""

import numpy as np
import pyarrow.parquet as pq
import pytest

from sweep.config.loading import parse_config
from sweep.planning.plan import build_plan
from trainables.contract import repeat_seed

EXTENDED = """\
name: extended
repeats: 2
engine: {engine}
studies:
  reference: {{epochs: [4], batch_size: [4], neurons: [1]}}
  shape: {{epochs: [4], batch_size: [4], neurons: [2], layers: [1, 2], lags: [1, 2], timesteps: [2]}}
  training: {{epochs: [4], batch_size: [4], neurons: [1], optimizer: [adam, sgd], loss: [huber], l2: [0.01]}}
  dropout: {{epochs: [4], batch_size: [4], neurons: [2], dropout: [0.0, 0.3], recurrent_dropout: [0.2]}}
  batches: {{epochs: [4], batch_size: [5, 8], neurons: [1]}}
"""


@pytest.fixture(scope="module")
def extended_runs(sweeps):
    """The same extended sweep on each engine: engine -> (exit status, trials, printed output)."""
    runs = {}
    for engine in ("compiled", "keras"):
        results, printed = sweeps.run(EXTENDED.format(engine=engine))
        runs[engine] = 0, pq.read_table(results / "trials.parquet").to_pandas(), printed
    return runs


@pytest.fixture(scope="module", params=["compiled", "keras"])
def extended_sweep(request, extended_runs):
    return extended_runs[request.param]


def test_every_extension_point_runs_with_its_axes_as_columns(extended_sweep):
    status, trials, _ = extended_sweep
    assert status == 0 and (trials["status"] == "completed").all()
    for axis in ("layers", "lags", "timesteps", "dropout", "recurrent_dropout", "l2", "optimizer", "learning_rate", "loss"):
        assert axis in trials.columns, axis
    assert trials.groupby("study").size().to_dict() == {"batches": 4, "dropout": 4, "reference": 2, "shape": 8, "training": 4}
    assert np.isfinite(trials["test_rmse"]).all() and (trials["test_rmse"] > 0).all()
    # an optimizer without a learning rate gets its Keras default, shown in the table
    training = trials[trials["study"] == "training"]
    assert dict(zip(training["optimizer"], training["learning_rate"])) == {"adam": 0.001, "sgd": 0.01}
    # the reference point keeps the seeds it has without any extension in the sweep
    reference = trials[trials["study"] == "reference"].sort_values("repeat")
    assert reference["seed"].tolist() == [repeat_seed(0, {"epochs": 4, "batch_size": 4, "neurons": 1}, r) for r in (0, 1)]


def test_batch_sizes_beyond_four_train_on_trimmed_rows_and_say_so(extended_sweep):
    _, trials, printed = extended_sweep
    batches = trials[trials["study"] == "batches"].drop_duplicates("batch_size").set_index("batch_size")
    assert batches.loc[5, ["training_rows", "trimmed_rows", "forecast_batch_size"]].tolist() == [20, 2, 1]
    assert batches.loc[8, ["training_rows", "trimmed_rows", "forecast_batch_size"]].tolist() == [16, 6, 1]
    assert "note: batch_size 8 (input of 1 past values): trains on the last 16 of 22 training samples, dropping the 6 oldest" in printed
    assert "note: batch_size 5 does not divide the 12 test rows: it trains at batch 5 and forecasts with a batch-1 stateful copy" in printed
    assert "data: shampoo: monthly shampoo sales" in printed


def test_both_engines_give_the_same_scores_on_every_extension_point(extended_runs):
    """The sweep-level view of the engine equivalence: same seeds, same scores, whichever engine ran."""
    compiled, keras = extended_runs["compiled"][1], extended_runs["keras"][1]
    scores = ("test_rmse", "test_mae", "test_smape", "test_mase", "train_rmse", "fit_seconds", "compile_seconds")
    keys = [column for column in compiled.columns if column not in (*scores, "trial_id", "node_id", "error")]
    joined = compiled.merge(keras, on=keys, suffixes=("", "_keras"), validate="one_to_one")
    assert len(joined) == len(compiled) == 22
    np.testing.assert_allclose(joined["test_rmse"], joined["test_rmse_keras"], rtol=1e-4)


def test_plan_puts_only_used_axes_in_the_points(shampoo):
    config = parse_config(
        {"name": "x", "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]},
                                  "b": {"epochs": [1], "batch_size": [4], "neurons": [1], "loss": ["mae", "mse"]}}}
    )  # fmt: skip
    plan = build_plan(config, {"shampoo": shampoo})
    assert plan.axis_names == ["epochs", "batch_size", "neurons", "loss"]
    assert plan.points == [
        {"epochs": 1, "batch_size": 4, "neurons": 1, "loss": "mse"},
        {"epochs": 1, "batch_size": 4, "neurons": 1, "loss": "mae"},
    ]
    assert list(plan.studies_of(plan.points[0])) == ["a", "b"]  # the default-loss point is shared
