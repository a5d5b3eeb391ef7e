"""Several series in one sweep: the ways of naming them, the checks naming the bad one, and the verdict across them."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.loading import parse_config
from sweep.config.model import DataConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import COLLECTIONS, load_catalogue


def _series(length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 + np.cumsum(rng.normal(1, 5, length))


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


def test_the_built_in_collection_ships_twenty_real_monthly_series():
    catalogue = load_catalogue(DataConfig(source="classic_monthly"))
    assert len(catalogue.names) == len(COLLECTIONS["classic_monthly"]) >= 20
    assert {len(series.values) for series in catalogue.series.values()} == {72}  # equal lengths share compiled functions
    assert catalogue.series["AirPassengers"].dates[-1] == "1960-12" and catalogue.series["AirPassengers"].values[-1] == 432
    assert all(np.all(np.isfinite(series.values)) and np.ptp(series.values) > 0 for series in catalogue.series.values())
