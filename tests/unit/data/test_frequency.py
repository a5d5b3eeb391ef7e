"""A dated series' frequency and season come from its dates; a missing date is an error naming it, or filled as asked."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.loading import parse_config
from sweep.config.validation import ConfigError
from sweep.data.catalogue import load_catalogue
from sweep.data.frequency import Frequency, Gap, frequency_of
from sweep.data.in_memory import in_memory

STUDIES = {"s": {"epochs": [1], "batch_size": [4], "neurons": [1]}}


@pytest.mark.parametrize(
    "code, start, name, season",
    [("MS", "2024-01-01", "monthly", 12), ("ME", "2024-01-31", "monthly", 12), ("QS", "2020-01-01", "quarterly", 4),
     ("W-SUN", "2024-01-07", "weekly", 52), ("D", "2024-01-01", "daily", 7), ("h", "2024-01-01", "hourly", 24),
     ("YS", "2000-01-01", "yearly", 1)],
)  # fmt: skip
def test_each_calendar_frequency_gives_its_season_and_finds_its_gap(code, start, name, season):
    dates = [str(stamp) for stamp in pd.date_range(start, periods=30, freq=code)]
    assert frequency_of(dates) == Frequency(name, season)
    gap = frequency_of(dates[:5] + dates[7:])
    assert isinstance(gap, Gap) and gap.frequency.name == name and gap.count == 2
    assert pd.Timestamp(gap.missing) == pd.Timestamp(dates[5])


def test_periods_as_files_and_built_ins_write_them():
    assert frequency_of(["1901-01", "1901-02", "1901-03"]) == Frequency("monthly", 12)
    assert frequency_of(["1959Q1", "1959Q2", "1959Q3"]) == Frequency("quarterly", 4)
    assert frequency_of(["1871", "1872", "1873"]) == Frequency("yearly", 1)
    gap = frequency_of(["1901-01", "1901-02", "1901-04"])
    assert isinstance(gap, Gap) and gap.missing == "1901-03"


def test_irregular_dates_have_no_frequency():
    assert frequency_of(["2024-01-01 00:00:00", "2024-01-02 00:00:00", "2024-01-09 00:00:00", "2024-03-30 00:00:00"]) is None


def monthly_file(tmp_path, skip: int | None = None):
    months = pd.period_range("2020-01", periods=36, freq="M").astype(str)
    frame = pd.DataFrame({"month": months, "sales": 100 + np.arange(36.0)})
    if skip is not None:
        frame = frame.drop(index=skip)
    frame.to_csv(tmp_path / "sales.csv", index=False)
    return str(tmp_path / "sales.csv")


def test_a_missing_month_is_an_error_naming_it_and_the_fix(tmp_path):
    config = parse_config({"name": "x", "data": {"source": monthly_file(tmp_path, skip=7)}, "studies": STUDIES})
    with pytest.raises(ConfigError) as error:
        load_catalogue(config.data)
    assert str(error.value) == (
        "series 'sales' has monthly dates with 1 missing, the first 2020-08-01: add the missing rows, or set "
        "`data.fill: interpolate` (linear between neighbours) or `data.fill: forward` (the last observation carried forward)"
    )


@pytest.mark.parametrize("fill, expected", [("interpolate", 107.0), ("forward", 106.0)])
def test_data_fill_fills_the_gap_and_says_so(tmp_path, fill, expected):
    config = parse_config({"name": "x", "data": {"source": monthly_file(tmp_path, skip=7), "fill": fill}, "studies": STUDIES})
    loaded = load_catalogue(config.data).series["sales"]
    assert len(loaded.values) == 36 and loaded.values[7] == expected and loaded.values[8] == 108.0
    assert "1 missing monthly dates filled" in loaded.provenance


def test_an_in_memory_series_is_checked_the_same_way():
    months = pd.period_range("2020-01", periods=12, freq="M")
    sales = pd.Series(np.arange(12.0), index=months, name="sales").drop(months[3])
    with pytest.raises(ConfigError, match="series 'sales' has monthly dates with 1 missing, the first 2020-04"):
        in_memory(sales)
    assert in_memory(sales, "interpolate").series["sales"].values[3] == 3.0
