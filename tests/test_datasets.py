"""Any univariate series: a user's CSV (any value column) or Parquet file, checked on load."""

import contextlib
import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.config import ConfigError
from sweep.datasets import load_series
from sweep.run import main


@pytest.fixture
def user_csv(tmp_path, shampoo):
    path = tmp_path / "sales.csv"
    frame = pd.DataFrame({"month": np.arange(36), "sales": shampoo, "note": "x"})
    frame.to_csv(path, index=False)
    return path


def test_value_column_picks_any_column(user_csv, shampoo):
    np.testing.assert_array_equal(load_series(str(user_csv), value_column="sales"), shampoo)
    with pytest.raises(ConfigError) as error:
        load_series(str(user_csv), value_column="revenue")
    assert str(error.value) == (
        f"`data.value_column` ('revenue') is not a column of data file '{user_csv}'; columns: ['month', 'sales', 'note']"
    )


def test_parquet_source_reads_like_the_csv(tmp_path, shampoo):
    path = tmp_path / "sales.parquet"
    pd.DataFrame({"month": np.arange(36), "sales": shampoo}).to_parquet(path)
    np.testing.assert_array_equal(load_series(str(path)), shampoo)
    broken = shampoo.copy()
    broken[4] = np.nan
    pd.DataFrame({"sales": broken}).to_parquet(tmp_path / "broken.parquet")
    with pytest.raises(ConfigError) as error:
        load_series(str(tmp_path / "broken.parquet"))
    assert str(error.value) == f"data file '{tmp_path / 'broken.parquet'}': column 'sales' must hold finite numbers; row 5 holds 'nan'"


def test_a_user_csv_end_to_end(tmp_path, user_csv, local_ray):
    config = tmp_path / "user.yaml"
    config.write_text(
        f"name: user\nrepeats: 2\ndata: {{source: {user_csv}, value_column: sales}}\n"
        "studies: {s: {epochs: [3], batch_size: [2, 4], neurons: [1]}}\n"
    )
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--config", str(config), "--storage", str(tmp_path)]) == 0
    trials = pq.read_table(tmp_path / "user" / "trials.parquet").to_pandas()
    assert len(trials) == 4 and (trials["status"] == "completed").all()
