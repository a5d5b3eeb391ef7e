"""Any univariate series: a user's CSV or Parquet file (any value and date column) or a built-in one, checked on load."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.validation import ConfigError
from sweep.data.series import BUILT_IN, load_series


@pytest.fixture
def user_csv(tmp_path, shampoo):
    path = tmp_path / "sales.csv"
    frame = pd.DataFrame({"month": np.arange(36), "sales": shampoo, "note": "x"})
    frame.to_csv(path, index=False)
    return path


def test_value_column_picks_any_column(user_csv, shampoo):
    np.testing.assert_array_equal(load_series(str(user_csv), value_column="sales").values, shampoo)
    with pytest.raises(ConfigError) as error:
        load_series(str(user_csv), value_column="revenue")
    assert str(error.value) == (
        f"`data.value_column` ('revenue') is not a column of data file '{user_csv}'; columns: ['month', 'sales', 'note']"
    )


def test_parquet_source_reads_like_the_csv(tmp_path, shampoo):
    path = tmp_path / "sales.parquet"
    pd.DataFrame({"month": np.arange(36), "sales": shampoo}).to_parquet(path)
    np.testing.assert_array_equal(load_series(str(path)).values, shampoo)
    broken = shampoo.copy()
    broken[4] = np.nan
    pd.DataFrame({"sales": broken}).to_parquet(tmp_path / "broken.parquet")
    with pytest.raises(ConfigError) as error:
        load_series(str(tmp_path / "broken.parquet"))
    assert str(error.value) == f"data file '{tmp_path / 'broken.parquet'}': column 'sales' must hold finite numbers; row 5 holds 'nan'"


def test_date_column_orders_the_rows(tmp_path, shampoo):
    path = tmp_path / "dated.csv"
    dates = pd.period_range("2001-01", periods=36, freq="M").astype(str)
    reversed_rows = pd.DataFrame({"date": dates, "sales": shampoo})[::-1]  # newest first, as many exports are
    reversed_rows.to_csv(path, index=False)
    loaded = load_series(str(path))  # the first column holds dates: it orders the rows
    np.testing.assert_array_equal(loaded.values, shampoo)
    assert loaded.provenance == (
        f"36 observations of column 'sales' of {str(path)!r}, ordered by date column 'date', 2001-01 to 2003-12, "
        "sorted (the file was not in date order)"
    )
    np.testing.assert_array_equal(load_series(str(path), date_column=False).values, shampoo[::-1])


def test_bad_date_columns_are_refused_with_the_line(tmp_path, shampoo, user_csv):
    path = tmp_path / "dated.csv"
    dates = list(pd.period_range("2001-01", periods=36, freq="M").astype(str))
    pd.DataFrame({"when": dates[:5] + ["soon"] + dates[6:], "sales": shampoo}).to_csv(path, index=False)
    with pytest.raises(ConfigError) as error:
        load_series(str(path), date_column="when")
    assert str(error.value) == (
        f"data file {str(path)!r}: `data.date_column` 'when' must hold dates; line 7 holds 'soon' "
        "(set `data.date_column: false` to take the rows in file order)"
    )
    pd.DataFrame({"when": dates[:5] + [dates[3]] + dates[6:], "sales": shampoo}).to_csv(path, index=False)
    with pytest.raises(ConfigError) as error:
        load_series(str(path))
    assert str(error.value) == f"data file {str(path)!r}: date column 'when' repeats '2001-04' at line 7"
    with pytest.raises(ConfigError, match=r"`data.date_column` \('day'\) is not a column"):
        load_series(str(path), date_column="day")
    # a first column that is not dates (month numbers) leaves the rows in file order, and says so
    assert load_series(str(user_csv), value_column="sales").provenance.endswith(
        "in file order (its first column 'month' does not hold dates)"
    )


@pytest.mark.parametrize("name, length", [("shampoo", 36), ("sunspots", 309), ("nile", 100), ("co2", 526), ("us_gdp", 203)])
def test_built_in_series_ship_with_their_origin(name, length):
    loaded = load_series(name)
    assert loaded.values.shape == (length,) and np.isfinite(loaded.values).all()
    assert loaded.provenance.startswith(f"{name}: ") and BUILT_IN[name].provenance in loaded.provenance
