"""Files that used to load as numbers the user never had, or end in a traceback: read right, or refused by name."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.validation import ConfigError
from sweep.data.series import load_series

VALUES = [266.0, 145.9, 1183.3, 119.3, 180.3, 168.5, 231.8, 224.5]


def write(tmp_path, text: str, name: str = "export.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "separator, formatted, reading",
    [
        (";", ["266,0", "145,9", "1.183,3", "119,3", "180,3", "168,5", "231,8", "224,5"], "semicolon-separated, decimal commas"),
        ("\t", ["266,0", "145,9", "1183,3", "119,3", "180,3", "168,5", "231,8", "224,5"], "tab-separated, decimal commas"),
        ("|", ["266", "145,9", "1183,3", "119,3", "180,3", "168,5", "231,8", "224,5"], "pipe-separated, decimal commas"),
        (";", [f"{value}" for value in VALUES], "semicolon-separated"),
    ],
)
def test_european_exports_read_their_separator_and_decimal_commas(tmp_path, separator, formatted, reading):
    lines = [f"month{separator}sales"] + [f"2001-{i + 1:02d}{separator}{value}" for i, value in enumerate(formatted)]
    loaded = load_series(write(tmp_path, "\n".join(lines) + "\n"))
    np.testing.assert_allclose(loaded.values, VALUES)
    assert f"(read as {reading})" in loaded.provenance


def test_a_decimal_comma_that_splits_a_comma_separated_line_is_refused(tmp_path):
    path = write(tmp_path, "month,sales\n2001-01,266.0\n2001-02,145,9\n2001-03,183.1\n")
    with pytest.raises(ConfigError) as error:
        load_series(path)
    assert str(error.value) == (
        f"data file {path!r}: line 3 has 3 fields where the header has 2 (comma-separated); a decimal comma in a "
        "comma-separated file splits its value: quote such values or separate fields with ';'"
    )


def test_a_column_mixing_decimal_styles_is_not_numbers(tmp_path):
    path = write(tmp_path, "month;sales\n2001-01;266,5\n2001-02;145.9\n2001-03;183,1\n")
    with pytest.raises(ConfigError, match=r"column 'sales' must hold finite numbers; line 2 holds '266,5'"):
        load_series(path)


def dated(tmp_path, dates: list[str], values=None) -> str:
    values = values if values is not None else np.arange(len(dates), dtype=float) ** 1.5
    return write(tmp_path, "date,value\n" + "".join(f"{date},{value}\n" for date, value in zip(dates, values)))


def test_day_first_dates_are_read_day_first_for_every_row(tmp_path):
    dates = [f"{day:02d}/02/2020" for day in range(1, 15)]  # 01/02 .. 14/02: only day-first fits 13/02 and 14/02
    loaded = load_series(dated(tmp_path, dates))
    np.testing.assert_array_equal(loaded.values, np.arange(14) ** 1.5)  # file order is date order: nothing re-sorted
    assert "read day-first ('%d/%m/%Y')" in loaded.provenance and "sorted" not in loaded.provenance


def test_month_first_dates_are_read_month_first(tmp_path):
    dates = [f"02/{day:02d}/20" for day in range(1, 15)]
    loaded = load_series(dated(tmp_path, dates))
    assert "read month-first ('%m/%d/%y')" in loaded.provenance and "sorted" not in loaded.provenance


def test_ambiguous_dates_are_refused_until_a_format_is_given(tmp_path):
    dates = ["01/02/2020", "01/03/2020", "02/01/2020"]  # day-first: Feb 1, Mar 1, Jan 2; month-first: Jan 2, Jan 3, Feb 1
    path = dated(tmp_path, dates + [f"0{month}/0{month}/2020" for month in range(3, 10)])
    with pytest.raises(ConfigError) as error:
        load_series(path)
    assert str(error.value) == (
        f"data file {path!r}: date column 'date': dates such as '01/02/2020' read as day-first ('%d/%m/%Y') or "
        "month-first ('%m/%d/%Y') alike; set `data.date_format` to the one the file uses"
    )
    day_first = load_series(path, date_format="%d/%m/%Y")
    month_first = load_series(path, date_format="%m/%d/%Y")
    assert day_first.values[:3].tolist() == [2.0**1.5, 0.0, 1.0] and "read format '%d/%m/%Y'" in day_first.provenance
    assert month_first.values[:3].tolist() == [0.0, 1.0, 2.0**1.5]
    with pytest.raises(ConfigError, match=r"must hold dates in the format '%Y-%m-%d'; line 2 holds '01/02/2020'"):
        load_series(path, date_format="%Y-%m-%d")


def test_offsets_that_change_across_daylight_saving_are_ordered_as_instants(tmp_path):
    local = pd.date_range("2020-10-25 00:00", periods=6, freq="h", tz="Europe/Berlin")  # 02:00 happens twice
    text = [stamp.isoformat() for stamp in local]
    shuffled = [text[i] for i in (3, 0, 5, 1, 4, 2)]
    loaded = load_series(dated(tmp_path, shuffled, values=[3, 0, 5, 1, 4, 2]))
    np.testing.assert_array_equal(loaded.values, np.arange(6.0))
    assert "read as UTC instants" in loaded.provenance


def test_zone_aware_parquet_timestamps_load(tmp_path):
    path = tmp_path / "zoned.parquet"
    stamps = pd.date_range("2020-03-28", periods=8, freq="12h", tz="Europe/London")
    pd.DataFrame({"when": stamps, "value": np.arange(8.0)}).iloc[::-1].to_parquet(path)
    np.testing.assert_array_equal(load_series(str(path)).values, np.arange(8.0))


def test_naive_and_zoned_dates_mixed_are_refused(tmp_path):
    path = dated(tmp_path, ["2020-01-01T00:00", "2020-01-01T01:00+01:00", "2020-01-01T02:00"])
    with pytest.raises(ConfigError) as error:
        load_series(path)
    assert str(error.value) == (
        f"data file {path!r}: date column 'date': some dates have a UTC offset ('2020-01-01T01:00+01:00') "
        "and some do not ('2020-01-01T00:00')"
    )


def test_a_csv_that_is_not_utf8_is_refused_by_name(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("month,ventes\n2001-01,1\n2001-02,2\ncafé,3\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"is not UTF-8 text \(byte 36 is b'\\xe9'\); save it as UTF-8 CSV"):
        load_series(str(path))


def test_a_blank_line_in_a_one_column_file_is_a_missing_value_not_nothing(tmp_path):
    """Found by the generated exports: the blank line was dropped and the series silently lost an observation."""
    path = write(tmp_path, "sales\n266.0\n   \n1183.3\n\n")  # a trailing blank line ends the file, as always
    with pytest.raises(ConfigError, match=r"column 'sales' must hold finite numbers; line 3 holds an empty value"):
        load_series(path)
    np.testing.assert_array_equal(load_series(write(tmp_path, "sales\n266.0\n1183.3\n\n\n", "ok.csv")).values, [266.0, 1183.3])
