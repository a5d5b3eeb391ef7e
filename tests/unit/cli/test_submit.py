"""`lstm-sweep submit`: a job carries every data file of the catalogue."""

import numpy as np
import pandas as pd
import pytest
import yaml

from sweep.cli.submit import job_config
from sweep.config.loading import parse_config

GRID = {"epochs": [2], "batch_size": [4], "neurons": [1]}


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


def test_a_job_carries_every_data_file_of_the_catalogue(files, tmp_path):
    config = parse_config({"name": "x", "data": {"source": ["shampoo", str(files / "store*.csv")]}, "studies": {"s": GRID}})
    job = tmp_path / "job"
    job.mkdir()
    job_config(config, job)
    written = yaml.safe_load((job / "sweep.yaml").read_text())
    assert written["data"]["source"] == ["shampoo", "data/store0.csv", "data/store1.csv", "data/store2.csv"]
    assert (job / "data" / "store1.csv").read_bytes() == (files / "store1.csv").read_bytes()
