"""Several series in one sweep: the ways of naming them, the checks naming the bad one, and the verdict across them."""

import numpy as np
import pandas as pd
import pytest
import yaml

from sweep.cli.submit import job_config
from sweep.config.loading import parse_config
from sweep.config.model import DataConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import COLLECTIONS, load_catalogue
from sweep.planning.plan import build_plan
from sweep.results.across_series import across_series, across_table, lowest_mean_rank_point
from trainables.contract import TrialRequest
from trainables.trainable import run_trial


def _series(length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 + np.cumsum(rng.normal(1, 5, length))


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "stores"
    folder.mkdir()
    for number in range(3):
        dates = pd.period_range("2020-01", periods=30, freq="M").astype(str)
        pd.DataFrame({"month": dates, "sales": _series(30, number)}).to_csv(folder / f"store{number}.csv", index=False)
    (folder / "notes.txt").write_text("not data")
    return folder


def test_a_list_a_folder_and_a_glob_name_the_same_series(files):
    listed = load_catalogue(DataConfig(source=[str(files / f"store{number}.csv") for number in range(3)]))
    folder = load_catalogue(DataConfig(source=str(files)))
    pattern = load_catalogue(DataConfig(source=str(files / "store*.csv")))
    for catalogue in (listed, folder, pattern):
        assert catalogue.names == ["store0", "store1", "store2"]  # file stems, sorted; notes.txt is no data file
        np.testing.assert_array_equal(catalogue.series["store1"].values, _series(30, 1))
        assert catalogue.series["store0"].dates[0].startswith("2020-01")
    mixed = load_catalogue(DataConfig(source=["shampoo", str(files / "store2.csv")]))
    assert mixed.names == ["shampoo", "store2"] and len(mixed.series["shampoo"].values) == 36


def test_a_long_file_in_neuralforecast_format_is_read_series_by_series(tmp_path):
    rows = [
        {"unique_id": name, "ds": str(date), "y": value}
        for name, seed in (("H1", 0), ("H2", 1))
        for date, value in zip(pd.period_range("2021-01", periods=24, freq="M"), _series(24, seed))
    ]
    long = pd.DataFrame(rows).sample(frac=1, random_state=0)  # rows in any order: each series is sorted by its dates
    long.to_csv(tmp_path / "long.csv", index=False)
    catalogue = load_catalogue(DataConfig(source=str(tmp_path / "long.csv"), series_column="unique_id", date_column="ds", value_column="y"))
    assert sorted(catalogue.names) == ["H1", "H2"]
    np.testing.assert_allclose(catalogue.series["H2"].values, _series(24, 1))
    assert catalogue.series["H1"].dates[0].startswith("2021-01")


def test_a_bad_series_is_refused_by_name_and_row(tmp_path):
    frame = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3, "y": ["1", "2", "3", "4", "five", "6"]})
    frame.to_csv(tmp_path / "long.csv", index=False)
    with pytest.raises(ConfigError) as error:
        load_catalogue(DataConfig(source=str(tmp_path / "long.csv"), series_column="id"))
    assert str(error.value) == f"series 'b': data file '{tmp_path / 'long.csv'}': column 'y' must hold finite numbers; line 6 holds 'five'"
    with pytest.raises(ConfigError, match="`data.series_column` \\('store'\\) is not a column of data file"):
        load_catalogue(DataConfig(source=str(tmp_path / "long.csv"), series_column="store"))
    with pytest.raises(ConfigError, match="pattern '.*nothing\\*.csv' matches no .csv or .parquet files"):
        load_catalogue(DataConfig(source=str(tmp_path / "nothing*.csv")))
    with pytest.raises(ConfigError, match="`data.series_column` reads several series from one file"):
        parse_config({"name": "x", "data": {"source": ["a.csv", "b.csv"], "series_column": "id"}, "studies": {"s": GRID}})


GRID = {"epochs": [2], "batch_size": [4], "neurons": [1]}


def test_a_series_too_short_is_refused_by_name_or_skipped_with_a_note():
    catalogue = {"long": _series(40, 0), "tiny": _series(9, 1)}
    config = parse_config({"name": "x", "data": {"test_size": 6}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError) as error:
        build_plan(config, catalogue)
    assert str(error.value).startswith("series 'tiny': `data.test_size` (6) leaves too few training rows: the series has 9 observations")
    assert str(error.value).endswith("(or set `data.short_series: skip`)")
    skipping = parse_config({"name": "x", "data": {"test_size": 6, "short_series": "skip"}, "studies": {"s": GRID}})
    plan = build_plan(skipping, catalogue)
    assert list(plan.origins) == ["long"]
    assert any(note.startswith("series 'tiny' skipped: `data.test_size` (6) leaves too few training rows") for note in plan.notes)
    confirm = parse_config({"name": "x", "search": {"confirm": True}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError, match="`search.confirm` needs one series"):
        build_plan(confirm, catalogue)
    diagnostics = parse_config({"name": "x", "diagnostics": {"every": 1}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError, match="`diagnostics.every` \\(1\\) needs one series"):
        build_plan(diagnostics, catalogue)


def test_the_built_in_collection_ships_twenty_real_monthly_series():
    catalogue = load_catalogue(DataConfig(source="classic_monthly"))
    assert len(catalogue.names) == len(COLLECTIONS["classic_monthly"]) >= 20
    assert {len(series.values) for series in catalogue.series.values()} == {72}  # equal lengths share compiled functions
    assert catalogue.series["AirPassengers"].dates[-1] == "1960-12" and catalogue.series["AirPassengers"].values[-1] == 432
    assert all(np.all(np.isfinite(series.values)) and np.ptp(series.values) > 0 for series in catalogue.series.values())


def _trials(means: dict[str, list[float]], seed: int = 0) -> pd.DataFrame:
    """A study's trials frame: configuration (neurons) x series x 5 repeats, each repeat its series mean + noise."""
    rng = np.random.default_rng(seed)
    rows = [
        {"series": f"s{index}", "study": "neurons", "epochs": 10, "batch_size": 4, "neurons": neurons, "repeat": repeat, "origin": 0,
         "status": "completed", "test_mase": mean + rng.normal(0, 0.01)}
        for neurons, per_series in means.items() for index, mean in enumerate(per_series) for repeat in range(5)
    ]  # fmt: skip
    return pd.DataFrame(rows)


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


@pytest.mark.parametrize("origins, window", [(1, "expanding"), (3, "expanding"), (2, "sliding")])
def test_series_trained_side_by_side_score_as_if_trained_alone(shampoo, origins, window):
    """Equal-length series share one compiled call as extra lanes; each lane is its own fit (float32 sums may reorder)."""
    other = shampoo[::-1] * 1.5 + 10

    def request(series):
        return TrialRequest(point={"epochs": 10, "batch_size": 4, "neurons": 1}, repeat_indices=(0, 1), base_seed=0, engine="compiled",
                            test_size=6, difference_lag=1, diagnostics_every=0, origins=origins, origin_step=6, window=window,
                            series=series)  # fmt: skip

    together = run_trial(request(("a", "b")), {"a": shampoo, "b": other}).repeats
    alone = run_trial(request(("a",)), {"a": shampoo}).repeats + run_trial(request(("b",)), {"b": other}).repeats
    assert [(row.series, row.repeat, row.origin) for row in together] == [(row.series, row.repeat, row.origin) for row in alone]
    assert len(together) == 2 * 2 * origins
    for joint, single in zip(together, alone):
        assert joint.seed == single.seed
        np.testing.assert_allclose(joint.forecasts, single.forecasts, rtol=1e-6)


def test_series_are_grouped_by_length_into_trials():
    config = parse_config({"name": "x", "series_per_trial": 2, "studies": {"s": GRID}})
    lengths = {"a": 36, "b": 40, "c": 36, "d": 36, "e": 40}
    assert config.series_groups(lengths) == [["a", "c"], ["d"], ["b", "e"]]
    assert parse_config({"name": "x", "engine": "keras", "studies": {"s": GRID}}).series_groups(lengths) == [[name] for name in "acdbe"]


def test_a_job_carries_every_data_file_of_the_catalogue(files, tmp_path):
    config = parse_config({"name": "x", "data": {"source": ["shampoo", str(files / "store*.csv")]}, "studies": {"s": GRID}})
    job = tmp_path / "job"
    job.mkdir()
    job_config(config, job)
    written = yaml.safe_load((job / "sweep.yaml").read_text())
    assert written["data"]["source"] == ["shampoo", "data/store0.csv", "data/store1.csv", "data/store2.csv"]
    assert (job / "data" / "store1.csv").read_bytes() == (files / "store1.csv").read_bytes()
