"""Data and configs read from object storage: an s3:// URI goes through the same reader and checks as a local file."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.loading import load_config, parse_config
from sweep.config.validation import ConfigError
from sweep.data.catalogue import load_catalogue

STUDIES = {"s": {"epochs": [1], "batch_size": [4], "neurons": [1]}}


def put(s3, key: str, frame: pd.DataFrame) -> None:
    filesystem = s3.filesystem()
    filesystem.create_dir(key.split("/")[0])
    with filesystem.open_output_stream(key) as stream:
        stream.write(frame.to_csv(index=False).encode())


def test_a_long_csv_on_s3_loads_as_a_local_one_would(s3, tmp_path):
    months = pd.period_range("2020-01", periods=40, freq="M").astype(str)
    frame = pd.concat([pd.DataFrame({"product": name, "month": months, "sales": 100 + np.arange(40.0) * (number + 1)})
                       for number, name in enumerate(["soap", "shampoo"])])  # fmt: skip
    put(s3, "data/sales.csv", frame)
    frame.to_csv(tmp_path / "sales.csv", index=False)
    remote = load_catalogue(parse_config({"name": "x", "data": {"source": s3.uri("data/sales.csv"), "series_column": "product"},
                                          "studies": STUDIES}).data)  # fmt: skip
    local = load_catalogue(parse_config({"name": "x", "data": {"source": str(tmp_path / "sales.csv"), "series_column": "product"},
                                         "studies": STUDIES}).data)  # fmt: skip
    assert list(remote.series) == ["soap", "shampoo"] and remote.frequency.season == 12
    for name in remote.series:
        np.testing.assert_array_equal(remote.series[name].values, local.series[name].values)
        assert remote.series[name].dates == local.series[name].dates


def test_a_missing_object_and_credentials_in_the_uri_are_refused_by_name(s3):
    with pytest.raises(ConfigError, match=r"`data.source` \('s3://data/none.csv\?endpoint_override=.*'\) names no file"):
        load_catalogue(parse_config({"name": "x", "data": {"source": s3.uri("data/none.csv")}, "studies": STUDIES}).data)
    with pytest.raises(ConfigError, match=r"`data.source` \('s3://\*\*\*@data/sales.csv'\) carries credentials"):
        parse_config({"name": "x", "data": {"source": "s3://KEY:SECRET@data/sales.csv"}, "studies": STUDIES})


def test_a_config_is_read_from_s3_and_a_missing_one_is_named(s3, monkeypatch):
    filesystem = s3.filesystem()
    filesystem.create_dir("configs")
    with filesystem.open_output_stream("configs/sweep.yaml") as stream:
        stream.write(b"name: remote\nstudies:\n  s: {epochs: [1], batch_size: [4], neurons: [1]}\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{s3.address}")
    assert load_config("s3://configs/sweep.yaml").name == "remote"
    with pytest.raises(ConfigError, match=r"config file 's3://configs/none.yaml' cannot be read: .*"):
        load_config("s3://configs/none.yaml")
    with pytest.raises(ConfigError, match=r"config URI 's3://\*\*\*@configs/sweep.yaml' carries credentials"):
        load_config("s3://KEY:SECRET@configs/sweep.yaml")
