"""Generated hostile data files (Hypothesis): separators, decimal commas, quoting, a BOM, date formats and file order,
spaces, negative and huge values, one row or a few, and the defects users' exports carry (a missing, non-numeric, NaN or
infinite value, a repeated date, a non-UTF-8 byte). A clean file loads exactly its values in date order; a defective
one ends in one `ConfigError` line naming the file; never another exception, never other numbers."""

import csv
import io
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sweep.config.validation import ConfigError
from sweep.data.series import load_series

SEPARATORS = [",", ";", "\t", "|"]
DATE_FORMATS = ["%Y-%m", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", None]  # None: no date column
DEFECTS = [None, "empty", "text", "nan", "inf", "repeated_date", "latin1"]


@st.composite
def exports(draw):
    count = draw(st.integers(1, 24))
    thousandths = draw(st.lists(st.integers(-(10**12), 10**12), min_size=count, max_size=count))
    values = [value / 1000 for value in thousandths]
    separator = draw(st.sampled_from(SEPARATORS))
    decimal_comma = separator != "," and draw(st.booleans())
    date_format = draw(st.sampled_from(DATE_FORMATS))
    monthly = date_format == "%Y-%m" or draw(st.booleans())
    start = date(2000, 1, 1) + timedelta(days=draw(st.integers(0, 9000)))
    days = [start + timedelta(days=31 * step if monthly else step) for step in range(count)]
    if date_format == "%Y-%m":
        days = [date(start.year + (start.month - 1 + step) // 12, (start.month - 1 + step) % 12 + 1, 1) for step in range(count)]
    order = draw(st.permutations(range(count))) if date_format and draw(st.booleans()) else list(range(count))
    return {"values": values, "separator": separator, "decimal_comma": decimal_comma, "date_format": date_format, "days": days,
            "order": order, "quote": draw(st.booleans()), "bom": draw(st.booleans()), "spaces": draw(st.booleans()),
            "defect": draw(st.sampled_from(DEFECTS)), "at": draw(st.integers(0, count - 1))}  # fmt: skip


def formatted(value: float, decimal_comma: bool) -> str:
    text = f"{value:.3f}"
    return text.replace(".", ",") if decimal_comma else text


def file_bytes(export: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=export["separator"], quoting=csv.QUOTE_ALL if export["quote"] else csv.QUOTE_MINIMAL,
                        lineterminator="\n")  # fmt: skip
    dated = export["date_format"] is not None
    writer.writerow(["month", "sales"] if dated else ["sales"])
    for row in export["order"]:
        cell = formatted(export["values"][row], export["decimal_comma"])
        when = export["days"][row].strftime(export["date_format"]) if dated else None
        if row == export["at"]:
            cell = {"empty": "", "text": "n/a", "nan": "NaN", "inf": "inf"}.get(export["defect"], cell)
            if export["defect"] == "repeated_date" and dated:
                when = export["days"][(row + 1) % len(export["days"])].strftime(export["date_format"])
        cell = f" {cell} " if export["spaces"] and not export["quote"] else cell
        writer.writerow([when, cell] if dated else [cell])
    data = buffer.getvalue().encode("utf-8")
    if export["defect"] == "latin1":
        data = data.replace(b"sales", "ventes é".encode("latin-1"), 1)
    return (b"\xef\xbb\xbf" if export["bom"] else b"") + data


@given(exports())
def test_a_generated_export_loads_its_values_in_date_order_or_is_refused_in_one_line(tmp_path_factory, export):
    defect = export["defect"] if export["defect"] != "repeated_date" or export["date_format"] else None
    assume(not (defect == "repeated_date" and len(export["values"]) == 1))
    path = tmp_path_factory.mktemp("exports") / "export.csv"
    path.write_bytes(file_bytes(export))
    try:
        loaded = load_series(str(path))
    except ConfigError as error:
        message = str(error)
        assert "\n" not in message and repr(str(path)) in message
        if defect is None:  # a clean file may be refused only for what it cannot say, and the message says what to set
            ambiguous_dates = "read as day-first" in message and "set `data.date_format`" in message
            one_column_of_decimal_commas = "a decimal comma in a comma-separated file splits its value" in message or (
                "holds numbers with decimal commas" in message and "separate fields with ';'" in message
            )
            assert ambiguous_dates or (one_column_of_decimal_commas and export["date_format"] is None), message
        return
    assert defect in (None, "latin1") or (defect == "repeated_date" and export["date_format"] is None), loaded.provenance
    assert defect != "latin1", "a non-UTF-8 byte was read"
    expected = np.array(export["values"]) if export["date_format"] else np.array(export["values"])[export["order"]]
    np.testing.assert_array_equal(loaded.values, expected)


@pytest.mark.parametrize("export_case", ["huge", "tiny"])
def test_extreme_magnitudes_keep_every_digit_given(tmp_path, export_case):
    values = [9.87654321e15, -1.5e15, 3.0e15] if export_case == "huge" else [1e-9, 2.5e-9, -3e-9]
    path = tmp_path / "export.csv"
    path.write_text("sales\n" + "".join(f"{value!r}\n" for value in values))
    np.testing.assert_array_equal(load_series(str(path)).values, values)
