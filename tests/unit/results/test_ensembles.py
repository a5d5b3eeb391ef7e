"""Seed ensembles: the median of more repeats forecasts better where the repeats scatter around the truth, and the
sizes between one and all are averages over draws of the repeats, the same on every run."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sweep.results.ensembles import ensemble_gains, ensemble_scores
from trainables import backtest_origins

LENGTH, TEST_SIZE, REPEATS = 60, 12, 12


def repeat_forecasts(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """forecasts.parquet's rows of one configuration whose repeats are the truth plus independent noise, at two origins."""
    rng = np.random.default_rng(seed)
    series = 100 + np.cumsum(rng.normal(0, 1, LENGTH))
    rows = []
    for origin in backtest_origins(LENGTH, TEST_SIZE, 2, TEST_SIZE):
        for repeat in range(REPEATS):
            index = np.arange(origin.test_start, origin.end)
            rows.append(pd.DataFrame({"unique_id": "s", "study": "units", "epochs": 10, "baseline": None, "repeat": repeat,
                                      "origin": origin.index, "cutoff_index": index - 1, "h": 1, "index": index, "y": series[index],
                                      "forecast": series[index] + rng.normal(0, 3, TEST_SIZE)}))  # fmt: skip
    return pd.concat(rows, ignore_index=True), series


def test_more_repeats_in_the_median_forecast_better_and_the_draws_are_fixed():
    forecasts, series = repeat_forecasts(0)
    plan = SimpleNamespace(axis_names=["epochs"], origins={"s": backtest_origins(LENGTH, TEST_SIZE, 2, TEST_SIZE)})
    scores = ensemble_scores(forecasts, plan, {"s": series}, 1, "mae")
    assert sorted(set(scores["k"])) == [1, 5, 10, REPEATS] and (scores["repeats"] == REPEATS).all()
    for _, origin in scores.groupby("origin"):
        assert origin.set_index("k")["mae"].is_monotonic_decreasing  # noise of sd 3 averages out
    one = scores[scores["k"] == 1]
    by_hand = forecasts.assign(error=(forecasts["forecast"] - forecasts["y"]).abs()).groupby("origin")["error"].mean()
    np.testing.assert_allclose(one["mae"], by_hand)  # k = 1: every repeat once, no sampling
    pd.testing.assert_frame_equal(ensemble_scores(forecasts, plan, {"s": series}, 1, "mae"), scores)  # the same draws again
    gains = ensemble_gains(scores, ["epochs"], "mae")
    whole, single = scores[scores["k"] == REPEATS]["mae"].mean(), one["mae"].mean()
    assert gains["ensemble"].item() == pytest.approx(whole) and gains["ensemble_gain"].item() == pytest.approx(100 * (1 - whole / single))
    assert gains["ensemble_gain"].item() > 20


def test_a_repeat_that_forecast_a_non_finite_value_leaves_its_median_undefined_as_forecast_would():
    forecasts, series = repeat_forecasts(1)
    plan = SimpleNamespace(axis_names=["epochs"], origins={"s": backtest_origins(LENGTH, TEST_SIZE, 2, TEST_SIZE)})
    blown = forecasts.drop(forecasts.index[(forecasts["repeat"] == 3) & (forecasts["origin"] == 1) & (forecasts["index"] > 50)])
    vanished = blown[~((blown["repeat"] == 4) & (blown["origin"] == 0))]  # all of its forecasts non-finite: no rows left
    trials = pd.DataFrame({"series": "s", "study": "units", "epochs": 10, "status": "completed", "repeat": np.tile(range(REPEATS), 2),
                           "origin": np.repeat([0, 1], REPEATS)})  # fmt: skip
    scores = ensemble_scores(vanished, plan, {"s": series}, 1, "mae", trials).set_index(["origin", "k"])["mae"]
    assert np.isnan(scores[(0, REPEATS)]) and np.isnan(scores[(1, REPEATS)]) and np.isnan(scores[(0, 1)])
    assert (ensemble_scores(vanished, plan, {"s": series}, 1, "mae")["repeats"] == [REPEATS - 1] * 4 + [REPEATS] * 4).all()
