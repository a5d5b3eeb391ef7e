"""The statistics beside describe() on cases whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from sweep.aggregate import study_table, summarize
from sweep.statistics import bootstrap_interval, compare_to_best

RNG = np.random.default_rng(7)
BASE = RNG.normal(100, 5, 30)


def test_identical_samples_do_not_differ():
    comparison = compare_to_best({"a": BASE, "b": BASE.copy()})
    assert comparison["best"].sum() == 1
    assert comparison["p_vs_best"].dropna().item() == pytest.approx(1.0)
    assert not comparison["differs_from_best"].any()


def test_clearly_shifted_samples_differ():
    comparison = compare_to_best({"good": BASE, "bad": BASE + 25})
    assert comparison.loc["good", "best"] and np.isnan(comparison.loc["good", "p_vs_best"])
    assert comparison.loc["bad", "p_vs_best"] < 1e-6 and comparison.loc["bad", "differs_from_best"]


def test_holm_adjusts_p_values_upwards():
    noisy = {f"c{i}": RNG.normal(100 + i, 5, 30) for i in range(5)}
    comparison = compare_to_best(noisy)
    best = comparison.index[comparison["best"]].item()
    from scipy.stats import mannwhitneyu

    for label in comparison.index.drop(best):
        raw = mannwhitneyu(noisy[label], noisy[best], alternative="two-sided").pvalue
        assert comparison.loc[label, "p_vs_best"] >= raw


def test_bootstrap_interval_brackets_the_statistic_and_is_reproducible():
    low, high = bootstrap_interval(BASE, np.mean)
    assert low < BASE.mean() < high and high - low < 10
    assert bootstrap_interval(BASE, np.mean) == (low, high)
    assert all(np.isnan(bootstrap_interval(np.array([3.0, 3.0]), np.mean)))


def test_summary_and_table_carry_the_verdict():
    trials = pd.DataFrame(
        {"study": "epochs", "epochs": np.repeat([10, 20], 30), "batch_size": 4, "neurons": 1,
         "repeat": np.tile(np.arange(30), 2), "status": "completed", "test_rmse": np.concatenate([BASE, BASE + 25])}
    )  # fmt: skip
    summary = summarize(trials).set_index("epochs")
    assert summary.loc[10, "best"] and summary.loc[20, "differs_from_best"]
    assert summary.loc[20, "mean_ci_low"] > summary.loc[10, "mean_ci_high"]
    table = study_table(trials, "epochs")
    assert table.loc["vs best"].tolist() == ["best", "worse"]
