"""Across series: the known winner is best, a configuration that wins half the series ties, one that diverges ranks last."""

import numpy as np
import pandas as pd

from sweep.results.across_series import across_series, across_table, lowest_mean_rank_point


def test_across_series_the_known_winner_is_best_and_the_clearly_worse_are_worse():
    base = np.linspace(0.6, 1.4, 10)  # series of differing difficulty
    trials = _trials({1: list(base), 2: list(base + 0.3), 3: list(base + 0.6)})
    baselines = pd.DataFrame({"series": [f"s{i}" for i in range(10)], "baseline": "naive", "origin": 0, "status": "completed",
                              "test_mase": base + 0.45})  # fmt: skip
    result = across_series(trials, baselines, "neurons", "mase")
    assert result.scores.shape == (10, 4) and list(result.scores.columns) == ["1", "2", "3", "naive (baseline)"]
    comparison = result.comparison
    assert comparison.loc["1", "verdict"] == "best" and comparison.loc["1", "series_won"] == 10 and comparison.loc["1", "mean_rank"] == 1
    assert comparison["mean_rank"].tolist() == [1, 2, 4, 3]
    assert comparison.loc[["2", "3", "naive (baseline)"], "verdict"].eq("worse").all()
    assert result.friedman_p < 1e-4
    np.testing.assert_allclose(comparison.loc["2", "mean"], np.mean(base + 0.3), atol=0.01)
    table = across_table(comparison, result.scores.columns.name)
    assert table.index.tolist() == ["mean", "median", "mean rank", "series won", "p vs best (Holm)", "vs best"]
    assert lowest_mean_rank_point(trials, "neurons", "mase") == {"epochs": 10, "batch_size": 4, "neurons": 1}


def test_across_series_a_configuration_that_wins_half_the_series_is_tied_never_worse():
    base = np.linspace(0.6, 1.4, 10)
    trials = _trials({1: list(base), 2: list(base + np.where(np.arange(10) % 2, 0.2, -0.2))})
    comparison = across_series(trials, None, "neurons", "mase").comparison
    assert sorted(comparison["verdict"]) == ["best", "tie"] and comparison["series_won"].tolist() == [5, 5]


def test_across_series_a_configuration_diverging_on_one_series_ranks_last_there_and_is_not_tested():
    trials = _trials({1: [1.0, 1.0, 1.0], 2: [0.5, 0.5, 0.5]})
    trials.loc[(trials["neurons"] == 2) & (trials["series"] == "s1") & (trials["repeat"] == 0), "test_mase"] = np.inf
    comparison = across_series(trials, None, "neurons", "mase").comparison
    assert comparison.loc["2", "verdict"] == "diverged" and comparison.loc["1", "verdict"] == "best"
    assert comparison.loc["2", "series_won"] == 2 and comparison.loc["1", "series_won"] == 1


def _trials(means: dict[str, list[float]], seed: int = 0) -> pd.DataFrame:
    """A study's trials frame: configuration (neurons) x series x 5 repeats, each repeat its series mean + noise."""
    rng = np.random.default_rng(seed)
    rows = [
        {"series": f"s{index}", "study": "neurons", "epochs": 10, "batch_size": 4, "neurons": neurons, "repeat": repeat, "origin": 0,
         "status": "completed", "test_mase": mean + rng.normal(0, 0.01)}
        for neurons, per_series in means.items() for index, mean in enumerate(per_series) for repeat in range(5)
    ]  # fmt: skip
    return pd.DataFrame(rows)
