"""Fixtures the unit tests of several packages share."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def files(tmp_path):
    """Three monthly store files and a file that is not data, in one folder."""
    folder = tmp_path / "stores"
    folder.mkdir()
    for number in range(3):
        dates = pd.period_range("2020-01", periods=30, freq="M").astype(str)
        values = 100 + np.cumsum(np.random.default_rng(number).normal(1, 5, 30))
        pd.DataFrame({"month": dates, "sales": values}).to_csv(folder / f"store{number}.csv", index=False)
    (folder / "notes.txt").write_text("not data")
    return folder
