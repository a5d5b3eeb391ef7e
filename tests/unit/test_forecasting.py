"""Which configuration `lstm-sweep forecast` trains: the robust choice by default, the lowest mean on request."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.validation import ConfigError
from sweep.forecasting import chosen_point


def trials(scores: dict[int, list[float]]) -> pd.DataFrame:
    """One study's completed repeats at one origin: neurons -> the repeats' test RMSE."""
    rows = [
        {"study": "s", "epochs": 10, "batch_size": 4, "neurons": neurons, "repeat": repeat, "origin": 0, "status": "completed",
         "series": "x", "test_rmse": score}
        for neurons, values in scores.items() for repeat, score in enumerate(values)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_robust_is_the_tied_configuration_with_the_lowest_90th_percentile_best_the_lowest_mean():
    steady = np.linspace(9.5, 10.5, 20)  # mean 10, 90th percentile 10.4
    erratic = np.concatenate([np.linspace(9.0, 10.4, 18), [11.5, 11.6]])  # mean 9.885, tied by the rank test, 90th percentile 10.51
    frame = trials({1: list(steady), 2: list(erratic)})
    beaten = pd.DataFrame({"series": "x", "baseline": "naive", "origin": [0], "status": "completed", "test_rmse": [30.0]})
    best, best_rule = chosen_point(frame, beaten, "s", "rmse", "best", several=False)
    robust, robust_rule = chosen_point(frame, beaten, "s", "rmse", "robust", several=False)  # a baseline's row in the statistics
    assert best == {"epochs": 10, "batch_size": 4, "neurons": 2} and best_rule == "lowest mean test rmse"
    assert robust == {"epochs": 10, "batch_size": 4, "neurons": 1}
    assert [type(value) for value in (*best.values(), *robust.values())] == [int] * 6  # never 10.0: the trainable slices by them
    assert robust_rule.startswith("robust choice: of those tied with the lowest mean test rmse")


def test_no_robust_choice_when_a_baseline_beats_every_configuration():
    frame = trials({1: [10.0, 10.5, 11.0, 10.2, 10.8] * 4, 2: [12.0, 12.5, 13.0, 12.2, 12.8] * 4})
    baselines = pd.DataFrame({"series": "x", "baseline": "ets", "origin": [0], "status": "completed", "test_rmse": [1.0]})
    expected = (
        r"has no robust choice: the best is ets \(baseline\); all 2 configurations are worse .*; `--choice best` forecasts "
        r"with the configuration of lowest mean, `--method ets` with the baseline that won"
    )
    with pytest.raises(ConfigError, match=expected):
        chosen_point(frame, baselines, "s", "rmse", "robust", several=False)
    assert chosen_point(frame, baselines, "s", "rmse", "best", several=False)[0]["neurons"] == 1
