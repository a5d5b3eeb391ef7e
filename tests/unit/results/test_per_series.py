"""A catalogue's statistics, summary rows and tables, computed for every series at once, are each series' own: the same
as that series summarised alone, whatever its neighbours (`sweep.results.per_series`)."""

import numpy as np
import pandas as pd
import pytest

from sweep.results.ensembles import with_ensemble_rows
from sweep.results.per_series import SeriesTables, TablesByName, series_statistics
from sweep.results.summary import study_statistics, study_table, summarize, summary_by_series

STUDIES = ["units", "epochs"]
SERIES = ["c", "a", "b"]  # the plan's order, not the names'
POINTS = ["epochs", "batch_size", "neurons"]
STUDIES_AXIS = {"units": "neurons", "epochs": "epochs"}  # the axis each study varies, which labels its configurations


def _catalogue() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three series, in this order: c's configurations all failed, a's three origins, b's one; two baselines, one of which
    failed on a."""
    rng = np.random.default_rng(3)
    origins = {"c": 3, "a": 3, "b": 1}
    points = {"units": [(10, 1), (10, 2)], "epochs": [(10, 1), (20, 1)]}
    trials = pd.DataFrame([
        {"series": series, "study": study, "epochs": epochs, "batch_size": 4, "neurons": neurons, "repeat": repeat, "origin": origin,
         "status": "failed" if series == "c" else "completed", "test_mase": rng.gamma(2 + neurons, 0.3)}
        for series, count in origins.items() for study in STUDIES for epochs, neurons in points[study]
        for repeat in range(4) for origin in range(count)
    ])  # fmt: skip
    trials.loc[trials["series"] == "c", "test_mase"] = np.nan
    baselines = pd.DataFrame([
        {"series": series, "baseline": name, "origin": origin, "test_mase": rng.gamma(3, 0.3),
         "status": "failed" if (series, name) == ("a", "ets") and origin == 1 else "completed"}
        for series, count in origins.items() for name in ("naive", "ets") for origin in range(count)
    ])  # fmt: skip
    gains = pd.DataFrame([
        {"series": series, "study": study, "epochs": epochs, "batch_size": 4, "neurons": neurons, "ensemble": 1.0, "ensemble_gain": 5.0}
        for series in ("a", "b") for study in STUDIES for epochs, neurons in points[study]
    ])  # fmt: skip
    return trials, baselines, gains


@pytest.fixture(scope="module")
def catalogue():
    trials, baselines, gains = _catalogue()
    statistics = series_statistics(trials, baselines, SERIES, STUDIES, "mase")
    summary = summary_by_series(trials, statistics.frame, STUDIES, "mase", baselines)
    return trials, baselines, gains, statistics, summary


@pytest.mark.parametrize("series", SERIES)
def test_each_series_statistics_summary_and_tables_are_its_own(catalogue, series):
    trials, baselines, gains, statistics, summary = catalogue
    own, own_baselines = trials[trials["series"] == series], baselines[baselines["series"] == series]
    alone = {study: study_statistics(own, study, "mase", own_baselines) for study in STUDIES}
    for study in STUDIES:
        pd.testing.assert_frame_equal(statistics[series][study], alone[study], check_exact=True)
    expected = summarize(own, alone, "mase", own_baselines)
    rows = summary[summary["series"] == series].drop(columns="series").reset_index(drop=True)
    # the same values; a column the failed series leaves empty is of object type in the catalogue's summary
    pd.testing.assert_frame_equal(rows[expected.columns], expected, check_exact=True, check_dtype=False)
    extra = list(rows.columns.difference(expected.columns))  # columns only its neighbours fill: empty for it
    assert rows[extra].isna().all().all() and (extra == ["origin_sd", "seed_sd"]) == (series == "b")  # b: one origin, no spread
    tables = SeriesTables(trials, baselines, statistics, gains, trials, "mase")[series]
    for study in STUDIES:
        own_gains = gains[(gains["series"] == series) & (gains["study"] == study)]
        table = with_ensemble_rows(study_table(own, study, alone[study], "mase", own_baselines), own_gains, [STUDIES_AXIS[study]])
        assert set(table.columns) >= {"naive (baseline)"} or series == "c"
        pd.testing.assert_frame_equal(tables[study], table, check_exact=True)


def test_a_catalogues_summary_keeps_each_series_rows_together_configurations_first(catalogue):
    *_, summary = catalogue
    assert summary["series"].drop_duplicates().tolist() == SERIES and summary["series"].is_monotonic_increasing is False
    assert (summary["series"].map(SERIES.index).diff().dropna() >= 0).all()
    for _, rows in summary.groupby("series"):
        assert rows["baseline"].notna().tolist() == sorted(rows["baseline"].notna().tolist())
    # one column order whatever the first series did (its configurations all failed here): describe()'s, then the statistics'
    described = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
    assert summary.columns[: 2 + len(POINTS) + len(described)].tolist() == ["series", "study", *POINTS, *described]
    assert summary.columns.get_loc("mean_ci_low") == summary.columns.get_loc("max") + 1


def test_each_summary_row_is_its_own_series_scores(catalogue):
    """Read from the trials and baselines directly, not through the summary's own code."""
    trials, baselines, _, statistics, summary = catalogue
    completed = trials[trials["status"] == "completed"]
    for (series, study), rows in summary[summary["baseline"].isna()].groupby(["series", "study"], sort=False):
        own = completed[(completed["series"] == series) & (completed["study"] == study)]
        scores = own.groupby(POINTS, sort=False)["test_mase"]
        assert rows["count"].tolist() == (scores.size().tolist() if len(own) else [0] * len(rows))
        if len(own):
            np.testing.assert_allclose(rows["mean"], scores.mean(), rtol=1e-12)
            np.testing.assert_array_equal(
                rows["mean_ci_low"], statistics[series][study].loc[~statistics[series][study]["baseline"], "mean_ci_low"]
            )
    for (series, _study), rows in summary[summary["baseline"].notna()].groupby(["series", "study"], sort=False):
        own = baselines[baselines["series"] == series]
        assert rows["baseline"].tolist() == own["baseline"].unique().tolist()
        assert rows["failed"].tolist() == [int((group["status"] == "failed").sum()) for _, group in own.groupby("baseline", sort=False)]
        done = own[own["status"] == "completed"].groupby("baseline", sort=False)["test_mase"]
        assert rows["count"].tolist() == done.size().tolist()
        np.testing.assert_allclose(rows["mean"], done.mean(), rtol=1e-12)


def test_a_catalogues_tables_are_named_series_slash_study(catalogue):
    trials, baselines, gains, statistics, _ = catalogue
    tables = SeriesTables(trials, baselines, statistics, gains, trials, "mase")
    named = TablesByName(tables, STUDIES)
    assert list(named) == [f"{series}/{study}" for series in SERIES for study in STUDIES]
    pd.testing.assert_frame_equal(named["b/epochs"], tables["b"]["epochs"])
