"""One point, one type: wherever a point comes from, it has the grid's seeds, label and file key."""

import json

import numpy as np
import pandas as pd
import pyarrow.fs as pafs
import pytest

from sweep.config.loading import parse_config
from sweep.planning.plan import build_plan, point_key
from sweep.planning.requests import trial_request
from sweep.results.columns import points_by_label, with_axis_types
from sweep.search.optuna_search import optuna_searcher
from sweep.storage.forecast_parts import ForecastParts
from trainables import TrialRequest, point_file_key, point_label, point_words, typed_point
from trainables.contract import repeat_seed

SERIES = {"sales": 100 + np.cumsum(np.random.default_rng(0).normal(1, 5, 48))}
STUDY = {"epochs": [10, 20], "batch_size": [4], "neurons": [1], "l2": [0, 1], "optimizer": ["adam"]}


def _identity(point: dict) -> tuple:
    return point_key(point), point_label(point, list(point)), point_file_key(point), point_words(point), repeat_seed(3, point, 7)


def test_a_point_from_every_route_has_the_grids_seeds_label_and_file_key():
    config = parse_config({"name": "x", "seed": 3, "studies": {"s": STUDY}})
    grid = build_plan(config, SERIES).points[-1]  # epochs 20, l2 1.0: an integer axis and a float one holding a whole number
    assert grid == {"epochs": 20, "batch_size": 4, "neurons": 1, "l2": 1.0} and type(grid["epochs"]) is int
    resumed = TrialRequest.from_tune(json.loads(json.dumps(trial_request(config, grid, [7]).tune_config()))).point  # Tune's JSON
    table = pd.DataFrame([grid | {"study": "s"}, {"study": "s", "epochs": 10, "batch_size": 4, "neurons": 1, "l2": 0.0}])
    with_baseline = pd.concat([table, pd.DataFrame([{"study": "s"}])], ignore_index=True)  # a baseline's row: floats, NaN
    assert with_baseline["epochs"].dtype == np.float64 and with_axis_types(with_baseline)["epochs"].dtype == "Int64"
    from_table = points_by_label(with_baseline.iloc[:2], "s")["20/1.0"]  # the confirmation's and the forecast's route
    searched = parse_config({"name": "x", "seed": 3, "search": {"type": "optuna"},
                             "studies": {"s": STUDY | {"epochs": {"randint": [10, 20]}}}})  # fmt: skip
    parts = ForecastParts(pafs.LocalFileSystem(), "experiment", driver_node=None)  # where finished trials are read: none here
    suggested = optuna_searcher(searched, build_plan(searched, SERIES), parts).request_for(
        {"epochs": np.int64(20), "l2": 1, "batch_size": 4, "neurons": 1, "optimizer": "adam"}
    )
    from_optuna = TrialRequest.from_tune(suggested).point
    floats = {"epochs": 20.0, "batch_size": np.float64(4), "neurons": np.int32(1), "l2": 1}  # NaN-coerced, numpy, an int l2
    for route in (resumed, from_table, typed_point(floats), TrialRequest(floats, (7,), 3, "compiled", 12, 1, 0).point):
        assert route == grid and [type(value) for value in route.values()] == [int, int, int, float]
        assert _identity(route) == _identity(grid)
    assert {axis: from_optuna[axis] for axis in grid} == grid  # Optuna's point also carries its optimizer and default rate
    assert repeat_seed(3, floats, 7) == repeat_seed(3, grid, 7) and point_label(floats, ["epochs", "l2"]) == "20/1.0"
    assert point_file_key(grid) == "epochs20_batch_size4_neurons1_l21.0"


@pytest.mark.parametrize(
    ("point", "message"),
    [({"epochs": 10.5}, "axis 'epochs' takes a whole number; received 10.5"), ({"epochs": float("nan")}, "takes a whole number"),
     ({"optimizer": 3}, "axis 'optimizer' takes a name; received 3"), ({"epoch": 3}, "a point has no axis 'epoch'")],
)  # fmt: skip
def test_a_value_its_axis_cannot_hold_is_refused_by_axis(point, message):
    with pytest.raises(ValueError, match=message):
        typed_point(point)
