"""The study's proposed extensions as grid axes, end to end through a real local Ray."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sweep.config.loading import load_config, parse_config
from sweep.planning.plan import build_plan
from sweep.planning.requests import trial_request
from trainables import run_trial
from trainables.contract import repeat_seed

SHIPPED = "extensions.yaml"  # every extension axis, a study each: its smoke run (epochs 1, 2 repeats) is shared with test_shipped_configs
KERAS_CHECK = """\
name: extensions-keras  # three of its points, run as plain functions on the Keras engine
engine: keras
repeats: 2
seed: 0
data: {source: shampoo, test_size: 12}
studies:
  layers: {epochs: [1], batch_size: [4], neurons: [3], layers: [2]}
  recurrent_dropout: {epochs: [1], batch_size: [4], neurons: [1], recurrent_dropout: [0.2]}
  batch: {epochs: [1], batch_size: [5], neurons: [1]}
"""


@pytest.fixture(scope="module")
def extensions(sweeps):
    """(trials, printed output) of the shipped extensions config's smoke run on the compiled engine."""
    results, printed = sweeps.shipped(SHIPPED)
    return pq.read_table(results / "trials.parquet").to_pandas(), printed


def test_every_extension_point_runs_with_its_axes_as_columns(extensions):
    trials, _ = extensions
    assert (trials["status"] == "completed").all()
    for axis in ("layers", "lags", "timesteps", "dropout", "recurrent_dropout", "l2", "optimizer", "learning_rate", "loss"):
        assert axis in trials.columns, axis
    sizes = trials.groupby("study").size().to_dict()  # points x 2 repeats; a point shared by studies appears in each
    assert (
        sizes["layers"] == 4 * 2 and sizes["batch"] == 4 * 2 and sizes["loss"] == 3 * 2 and set(sizes) == set(load_config(SHIPPED).studies)
    )
    assert np.isfinite(trials["test_rmse"]).all() and (trials["test_rmse"] > 0).all()
    # an optimizer without a learning rate gets its Keras default, shown in the table
    optimizers = trials[trials["study"] == "optimizer"]
    assert dict(zip(optimizers["optimizer"], optimizers["learning_rate"])) == {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001}
    # the reference point keeps the seeds it has without any extension in the sweep
    reference = trials[(trials["study"] == "loss") & (trials["loss"] == "mse")].sort_values("repeat")
    assert reference["seed"].tolist() == [repeat_seed(0, {"epochs": 1, "batch_size": 4, "neurons": 1}, r) for r in (0, 1)]


def test_batch_sizes_beyond_four_train_on_trimmed_rows_and_say_so(extensions):
    trials, printed = extensions
    batches = trials[trials["study"] == "batch"].drop_duplicates("batch_size").set_index("batch_size")
    assert batches.loc[5, ["training_rows", "trimmed_rows", "forecast_batch_size"]].tolist() == [20, 2, 1]
    assert batches.loc[8, ["training_rows", "trimmed_rows", "forecast_batch_size"]].tolist() == [16, 6, 1]
    assert "note: batch_size 8 (input of 1 past values): trains on the last 16 of 22 training samples, dropping the 6 oldest" in printed
    assert "note: batch_size 5 does not divide the 12 test rows: it trains at batch 5 and forecasts with a batch-1 stateful copy" in printed
    assert "data: shampoo: monthly shampoo sales" in printed


def test_the_keras_engine_gives_the_same_scores_on_extension_points(extensions, shampoo):
    """The sweep's trials against the plain Keras loop (unit-tested axis by axis): the same requests the sweep planned,
    run as plain functions on the Keras engine, give the same scores for stacked layers, recurrent dropout and a batch
    that does not divide the test rows."""
    compiled = extensions[0]
    config = parse_config(yaml.safe_load(KERAS_CHECK))
    plan = build_plan(config, {"shampoo": shampoo})
    rows = []
    for point in plan.points:
        for score in run_trial(trial_request(config, point, range(config.repeats), ["shampoo"]), shampoo).repeats:
            rows.append({**point, "study": next(iter(plan.studies_of(point))), "repeat": score.repeat, "seed": score.seed,
                         "test_rmse": score.test_rmse})  # fmt: skip
    keras = pd.DataFrame(rows).assign(layers=lambda frame: frame["layers"].astype("int64"))
    keys = ["study", "epochs", "batch_size", "neurons", "layers", "recurrent_dropout", "repeat", "seed"]
    joined = keras.merge(compiled, on=keys, suffixes=("_keras", ""), validate="one_to_one")
    assert len(joined) == len(keras) == 3 * 2
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
