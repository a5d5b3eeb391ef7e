"""A catalogue's statistics, summary rows and tables, computed for every series at once, are each series' own: the same
as that series summarised alone, whatever its neighbours (`sweep.results.per_series`)."""

import numpy as np
import pandas as pd
import pytest

from sweep.results.ensembles import with_ensemble_rows
from sweep.results.per_series import SeriesTables, TablesByName, series_statistics
from sweep.results.summary import study_statistics, study_table, summarize, summary_by_series

STUDIES = ["units", "epochs"]
STUDIES_AXIS = {"units": "neurons", "epochs": "epochs"}  # the axis each study varies, which labels its configurations


def _catalogue() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three series: a's three origins, b's one, c's configurations all failed; two baselines, one of which failed on a."""
    rng = np.random.default_rng(3)
    origins = {"a": 3, "b": 1, "c": 3}
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
    statistics = series_statistics(trials, baselines, ["a", "b", "c"], STUDIES, "mase")
    summary = summary_by_series(trials, statistics.frame, STUDIES, "mase", baselines)
    return trials, baselines, gains, statistics, summary


@pytest.mark.parametrize("series", ["a", "b", "c"])
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
    assert summary["series"].tolist() == sorted(summary["series"])
    for _, rows in summary.groupby("series"):
        assert rows["baseline"].notna().tolist() == sorted(rows["baseline"].notna().tolist())


def test_a_catalogues_tables_are_named_series_slash_study(catalogue):
    trials, baselines, gains, statistics, _ = catalogue
    tables = SeriesTables(trials, baselines, statistics, gains, trials, "mase")
    named = TablesByName(tables, STUDIES)
    assert list(named) == [f"{series}/{study}" for series in "abc" for study in STUDIES]
    pd.testing.assert_frame_equal(named["b/epochs"], tables["b"]["epochs"])
