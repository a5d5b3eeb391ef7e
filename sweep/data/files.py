"""Reading a user's CSV or Parquet file as text cells, and its numbers, without guessing silently.

A European export (`;` between fields, `,` before decimals) read as a plain CSV splits each value
at its decimal comma and shifts the columns; a sweep would then run on fraction digits. The CSV's
separator is detected, every line must have the header's number of fields, and decimal commas are
read as such (and said so).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from sweep.config.validation import ConfigError

SEPARATORS = ",;\t|"
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")  # 1.234,5  266,0  12


@dataclass(frozen=True)
class Table:
    cells: pd.DataFrame  # every cell as text, header as columns
    is_csv: bool
    separator: str | None  # the CSV's field separator; None for Parquet
    rows: np.ndarray | None = None  # each cell row's row in the file, for a part of it (one series of a long file)

    def where(self, row: int) -> str:
        """A data row's place in the file, 1-based, as a user finds it (a CSV's line 1 is its header)."""
        row = int(self.rows[row]) if self.rows is not None else row
        return f"line {row + 2}" if self.is_csv else f"row {row + 1}"

    def part(self, rows: np.ndarray, drop: str) -> Table:
        """The given rows without column `drop`: one series of a long-format file, its rows placed as in the file."""
        cells = self.cells.iloc[rows].drop(columns=drop).reset_index(drop=True)
        return Table(cells, self.is_csv, self.separator, rows)


def is_uri(source: str) -> bool:
    """A file on a pyarrow filesystem (s3://, gs://, hdfs://, abfs://, file://), read the same way as a local one."""
    return "://" in source


def source_exists(source: str) -> bool:
    """Whether `source` names a readable file, locally or behind a filesystem URI."""
    if not is_uri(source):
        return Path(source).expanduser().is_file()
    try:
        filesystem, inner = pafs.FileSystem.from_uri(source)
        return filesystem.get_file_info(inner).type == pafs.FileType.File
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ConfigError(f"`data.source` ({source!r}) cannot be reached: {str(error).strip().splitlines()[0]}") from None


def _read_bytes(source: str) -> bytes:
    if not is_uri(source):
        return Path(source).expanduser().read_bytes()
    filesystem, inner = pafs.FileSystem.from_uri(source)
    with filesystem.open_input_stream(inner) as stream:
        return stream.read()


def read_table(source: str) -> Table:
    """A data file's cells as text, from a local path or a filesystem URI; refused with the reason when unreadable."""
    if source.lower().split("?")[0].endswith(".parquet"):
        try:
            frame = pq.read_table(io.BytesIO(_read_bytes(source))).to_pandas()
        except (OSError, ValueError, pa.ArrowException) as error:
            raise ConfigError(f"data file {source!r} is not a readable Parquet file: {error}") from None
        return Table(frame.map(lambda value: "" if value is None else str(value)), is_csv=False, separator=None)
    try:
        text = _read_bytes(source).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"data file {source!r} is not UTF-8 text (byte {error.start} is {error.object[error.start : error.start + 1]!r}); "
            "save it as UTF-8 CSV"
        ) from None
    except (OSError, pa.ArrowException) as error:
        raise ConfigError(f"data file {source!r} cannot be read: {error}") from None
    return _parse_csv(text, source)


def _parse_csv(text: str, source: str) -> Table:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise ConfigError(f"data file {source!r} has no rows; expected a header and one observation per line")
    separator = _separator(lines)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=separator))
    if len(rows[0]) == 1:  # one column: a blank line between observations is a missing value, not nothing
        written = text.splitlines()
        first = next(index for index, line in enumerate(written) if line.strip())
        last = max(index for index, line in enumerate(written) if line.strip())
        rows = list(csv.reader(io.StringIO("\n".join(written[first : last + 1])), delimiter=separator))
        rows = [row or [""] for row in rows]
    header, body = rows[0], rows[1:]
    for number, row in enumerate(body):
        if len(row) != len(header):
            raise ConfigError(
                f"data file {source!r}: line {number + 2} has {len(row)} fields where the header has {len(header)} "
                f"({SEPARATOR_NAMES[separator]}-separated); a decimal comma in a comma-separated file splits its value: "
                "quote such values or separate fields with ';'"
            )
    return Table(pd.DataFrame(body, columns=header, dtype=str), is_csv=True, separator=separator)


def _separator(lines: list[str]) -> str:
    """The separator that splits the header and the first rows into the same number (>1) of fields."""
    sample = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:  # one column, or nothing consistent: read as plain CSV and let the field check speak
        return ","


def numbers(cells: pd.Series, separator: str | None) -> tuple[np.ndarray, bool]:
    """The cells as float64 (NaN where not a number), and whether they were read with decimal commas.

    Decimal commas count only in a file not separated by commas, when some value has one and every
    value fits that style (`.` then groups thousands: 1.234,5); a column mixing styles is not numbers.
    """
    text = cells.str.strip()
    filled = text[text != ""]
    decimal_commas = separator not in (None, ",") and filled.str.contains(",").any() and filled.str.match(DECIMAL_COMMA).all()
    if decimal_commas:
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64), bool(decimal_commas)
