"""The statistics beside describe() on cases whose answer is known."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sweep.results.statistics import bootstrap_interval, compare_to_best, paired_p_value, van_elteren
from sweep.results.summary import study_table, summarize

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


def test_p_values_are_holm_adjusted():
    """Holm by hand: sort the raw p-values, multiply the k-th smallest by (m - k), keep them monotone."""
    from scipy.stats import mannwhitneyu

    noisy = {f"c{i}": RNG.normal(100 + 1.5 * i, 5, 30) for i in range(6)}
    comparison = compare_to_best(noisy)
    best = comparison.index[comparison["best"]].item()
    others = list(comparison.index.drop(best))
    raw = np.array([mannwhitneyu(noisy[label], noisy[best], alternative="two-sided").pvalue for label in others])
    order = np.argsort(raw)
    holm = np.minimum(1, np.maximum.accumulate(raw[order] * (len(raw) - np.arange(len(raw)))))
    expected = dict(zip(np.array(others)[order], holm))
    for label in others:
        assert comparison.loc[label, "p_vs_best"] == pytest.approx(expected[label])
    assert (comparison.loc[others, "p_vs_best"].to_numpy() > raw).any()  # uncorrected p-values would fail here


def test_holm_turns_a_borderline_difference_into_a_tie():
    """One raw p-value under 0.05 among several comparisons is not significant after the correction."""
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(3)
    best = rng.normal(100, 5, 30)
    borderline = best + 2.8 + rng.normal(0, 1, 30)  # raw p just under 0.05
    samples = {"best": best, "borderline": borderline} | {f"tie{i}": best + 0.1 * (i + 1) for i in range(4)}
    raw = mannwhitneyu(samples["borderline"], best, alternative="two-sided").pvalue
    comparison = compare_to_best(samples)
    assert comparison.loc["best", "best"]
    assert raw < 0.05 and comparison.loc["borderline", "p_vs_best"] >= 0.05
    assert not comparison.loc["borderline", "differs_from_best"]


def test_bootstrap_interval_brackets_the_statistic_and_is_reproducible():
    low, high = bootstrap_interval(BASE, np.mean)
    assert low < BASE.mean() < high and high - low < 10
    assert bootstrap_interval(BASE, np.mean) == (low, high)
    assert all(np.isnan(bootstrap_interval(np.array([3.0, 3.0]), np.mean)))


def test_summary_and_table_carry_the_verdict():
    trials = pd.DataFrame(
        {"study": "epochs", "epochs": np.repeat([10, 20], 30), "batch_size": 4, "neurons": 1,
         "repeat": np.tile(np.arange(30), 2), "origin": 0, "status": "completed", "test_rmse": np.concatenate([BASE, BASE + 25])}
    )  # fmt: skip
    summary = summarize(trials).set_index("epochs")
    assert summary.loc[10, "best"] and summary.loc[20, "differs_from_best"]
    assert summary.loc[20, "mean_ci_low"] > summary.loc[10, "mean_ci_high"]
    table = study_table(trials, "epochs")
    assert table.loc["vs best"].tolist() == ["best", "worse"]


def by_origin(origin_means: np.ndarray, repeats: int, shift: float, noise: float, rng) -> pd.Series:
    """Scores indexed by origin: each origin's own difficulty, a configuration's shift, seed noise."""
    values = np.repeat(origin_means, repeats) + shift + rng.normal(0, noise, len(origin_means) * repeats)
    return pd.Series(values, index=np.repeat(np.arange(len(origin_means)), repeats))


ORIGIN_MEANS = np.array([50.0, 100.0, 150.0, 200.0, 250.0])  # origins far apart: most of the spread


def test_paired_by_origin_a_small_consistent_difference_is_found():
    rng = np.random.default_rng(11)
    good, worse = by_origin(ORIGIN_MEANS, 10, 0, 5, rng), by_origin(ORIGIN_MEANS, 10, 6, 5, rng)
    assert paired_p_value(worse, good) < 0.001
    # pooled over origins, as if the scores were independent samples, the origins' spread hides it
    assert stats.mannwhitneyu(worse.to_numpy(), good.to_numpy()).pvalue > 0.05
    comparison = compare_to_best({"good": good, "worse": worse})
    assert comparison.loc["good", "best"] and comparison.loc["worse", "differs_from_best"]
    assert comparison.loc["worse", "seed_sd"] == pytest.approx(5, rel=0.3)
    assert comparison.loc["worse", "origin_sd"] == pytest.approx(ORIGIN_MEANS.std(ddof=1), rel=0.1)


def test_paired_by_origin_pure_seed_noise_is_not_a_difference():
    rng = np.random.default_rng(12)
    false_alarms = sum(
        paired_p_value(by_origin(ORIGIN_MEANS, 10, 0, 5, rng), by_origin(ORIGIN_MEANS, 10, 0, 5, rng)) < 0.05 for _ in range(200)
    )
    assert false_alarms <= 20  # about 5% of 200 by chance; a test that ignored the pairing would not get here either


def test_van_elteren_with_one_origin_is_the_rank_sum_test():
    rng = np.random.default_rng(13)
    a, b = pd.Series(rng.normal(0, 1, 30), index=np.zeros(30, int)), pd.Series(rng.normal(0.5, 1, 30), index=np.zeros(30, int))
    expected = stats.mannwhitneyu(a, b, use_continuity=False, method="asymptotic").pvalue
    assert van_elteren(a, b) == pytest.approx(expected, rel=1e-9)


def test_a_baseline_is_compared_by_signed_ranks_against_its_score_at_each_origin():
    rng = np.random.default_rng(14)
    repeats = by_origin(ORIGIN_MEANS, 10, 0, 5, rng)
    beaten = pd.Series(ORIGIN_MEANS + 8, index=np.arange(5))  # worse than the repeats at every origin, by 1.6 seed sd
    level = pd.Series(ORIGIN_MEANS, index=np.arange(5))  # exactly the repeats' centre
    assert paired_p_value(beaten, repeats) < 0.001 and paired_p_value(level, repeats) > 0.05
    assert np.isnan(paired_p_value(beaten.iloc[:1], level.iloc[:1]))  # two baselines at one origin: nothing to test
    comparison = compare_to_best({"lstm": repeats, "ets (baseline)": beaten})
    assert comparison.loc["lstm", "best"] and comparison.loc["ets (baseline)", "differs_from_best"]
    assert np.isnan(comparison.loc["ets (baseline)", "mean_ci_low"])  # one score per origin: no interval


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from sweep.results.verdicts import holm

    rng = np.random.default_rng(0)
    for size in (1, 2, 7, 40):
        p_values = rng.uniform(0, 0.2, size)
        p_values[0] = p_values[-1]  # a tie
        np.testing.assert_allclose(holm(p_values), multipletests(p_values, method="holm")[1])
    assert holm([]).shape == (0,)


def test_the_robust_choice_is_the_tied_configuration_good_for_most_seeds():
    """10 and 20 epochs tie on the mean; 20's spread is wider, so its 90th percentile is worse: 10 is the choice."""
    from sweep.results.summary import study_statistics, tied_line

    rng = np.random.default_rng(1)
    steady, wide = 100 + rng.normal(0, 1, 30), 100 + rng.normal(0, 8, 30)
    trials = pd.DataFrame(
        {"study": "epochs", "epochs": np.repeat([10, 20, 30], 30), "batch_size": 4, "neurons": 1, "repeat": np.tile(np.arange(30), 3),
         "origin": 0, "status": "completed", "test_rmse": np.concatenate([steady, wide, steady + 30])}
    )  # fmt: skip
    statistics = study_statistics(trials, "epochs")
    assert statistics["differs_from_best"].tolist() == [False, False, True]
    assert statistics["robust_choice"].tolist() == [True, False, False]
    assert statistics.loc["10", "p90"] == pytest.approx(np.percentile(steady, 90))
    assert tied_line(statistics).startswith("tied with the best: 10, 20; robust choice 10 (lowest 90th percentile of the tied, ")
