"""`lstm-sweep submit`: a job carries every data file of the catalogue."""

import yaml

from sweep.cli.submit import job_config
from sweep.config.loading import parse_config

GRID = {"epochs": [2], "batch_size": [4], "neurons": [1]}


def test_a_job_carries_every_data_file_of_the_catalogue(files, tmp_path):
    config = parse_config({"name": "x", "data": {"source": ["shampoo", str(files / "store*.csv")]}, "studies": {"s": GRID}})
    job = tmp_path / "job"
    job.mkdir()
    job_config(config, job)
    written = yaml.safe_load((job / "sweep.yaml").read_text())
    assert written["data"]["source"] == ["shampoo", "data/store0.csv", "data/store1.csv", "data/store2.csv"]
    assert (job / "data" / "store1.csv").read_bytes() == (files / "store1.csv").read_bytes()
