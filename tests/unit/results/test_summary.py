"""Study summaries: a diverged configuration is never the best."""

import numpy as np
import pandas as pd

from sweep.results.statistics import compare_to_best
from sweep.results.summary import lowest_mean_point, study_table

RNG = np.random.default_rng(5)


def test_a_diverged_configuration_is_never_the_best():
    samples = {"diverged": np.array([1.0, np.nan, 2.0]), "ok": RNG.normal(100, 5, 30), "worse": RNG.normal(130, 5, 30)}
    comparison = compare_to_best(samples)
    assert comparison.loc["ok", "best"] and not comparison.loc["diverged", "best"]
    assert comparison.loc["diverged", "diverged"] and comparison.loc["diverged", "differs_from_best"]
    trials = pd.DataFrame(
        {"study": "s", "epochs": np.repeat([1, 2], 3), "batch_size": 4, "neurons": 1, "repeat": np.tile(range(3), 2),
         "origin": 0, "status": "completed", "test_rmse": [np.nan, 1.0, 2.0, 100.0, 101.0, 102.0]}
    )  # fmt: skip
    assert study_table(trials, "s").loc["vs best"].tolist() == ["diverged", "best"]


def test_the_lowest_mean_point_keeps_each_axis_its_own_type_beside_a_string_axis():
    trials = pd.DataFrame({"study": "s", "status": "completed", "epochs": 3, "batch_size": [2, 2, 4, 4], "neurons": 1,
                           "strategy": ["recursive", "direct"] * 2, "test_mase": [1.0, 0.5, 2.0, 3.0]})  # fmt: skip
    point = lowest_mean_point(trials, "s", "mase")
    assert point == {"epochs": 3, "batch_size": 2, "neurons": 1, "strategy": "direct"} and isinstance(point["batch_size"], int)
