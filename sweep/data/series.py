"""Reading a series from a built-in data set or a user's CSV or Parquet file, checked before any trial runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sweep.config.validation import ConfigError
from sweep.data.dates import AmbiguousDates, MixedZones, parse_dates
from sweep.data.files import DECIMAL_COMMA, SEPARATOR_NAMES, Table, numbers, read_table, source_exists

DATA_DIR = Path(__file__).resolve().parent  # shipped inside the package: no download at run time


@dataclass(frozen=True)
class LoadedSeries:
    values: np.ndarray  # float64, oldest first
    provenance: str  # one line for the output: where the values came from and how they are ordered
    unit: str  # what the values measure, for axis labels and tables: a file's value column name
    dates: list[str] | None = None  # each observation's date or period, as text; None when the rows are in file order


def _shampoo() -> pd.Series:
    frame = pd.read_csv(DATA_DIR / "shampoo-sales.csv")
    return frame.iloc[:, 1].set_axis(pd.PeriodIndex([f"190{month}" for month in frame.iloc[:, 0]], freq="M"))


def _statsmodels(name: str, column: str, index: Callable[[pd.DataFrame], pd.Index]) -> Callable[[], pd.Series]:
    def load() -> pd.Series:
        import statsmodels.datasets  # ~1 s of import that only the built-in data sets need

        frame = getattr(statsmodels.datasets, name).load_pandas().data
        return frame[column].set_axis(index(frame))

    return load


def _co2() -> pd.Series:
    """Weekly flask samples with gaps -> monthly means, gaps interpolated (as statsmodels' own examples do)."""
    import statsmodels.datasets  # ~1 s of import that only the built-in data sets need

    weekly = statsmodels.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return monthly.set_axis(monthly.index.to_period("M"))


class BuiltIn(NamedTuple):
    load: Callable[[], pd.Series]
    provenance: str
    unit: str


# All but shampoo ship inside statsmodels, a dependency: nothing downloads.
BUILT_IN: dict[str, BuiltIn] = {
    "shampoo": BuiltIn(
        _shampoo, "monthly shampoo sales, 36 months (Makridakis, Wheelwright & Hyndman 1998), shipped in sweep/data", "sales"
    ),
    "sunspots": BuiltIn(
        _statsmodels("sunspots", "SUNACTIVITY", lambda f: pd.PeriodIndex(f["YEAR"].astype(int), freq="Y")),
        "yearly sunspot numbers 1700-2008, 309 years (NOAA NGDC), from statsmodels.datasets.sunspots",
        "sunspot number",
    ),
    "nile": BuiltIn(
        _statsmodels("nile", "volume", lambda f: pd.PeriodIndex(f["year"].astype(int), freq="Y")),
        "yearly Nile flow at Aswan 1871-1970, 100 years (Cobb 1978), from statsmodels.datasets.nile",
        "10^8 m^3",
    ),
    "co2": BuiltIn(
        _co2, "monthly mean CO2 at Mauna Loa 1958-2001, 526 months (Keeling & Whorf 2004), from statsmodels.datasets.co2", "ppm"
    ),
    "us_gdp": BuiltIn(
        _statsmodels(
            "macrodata",
            "realgdp",
            lambda f: pd.PeriodIndex.from_fields(year=f["year"].astype(int), quarter=f["quarter"].astype(int), freq="Q"),
        ),  # fmt: skip
        "quarterly US real GDP 1959Q1-2009Q3, 203 quarters (FRED), from statsmodels.datasets.macrodata",
        "billion chained 2005 US$",
    ),
}


def first_non_finite(values: np.ndarray) -> int | None:
    """Where a series' first NaN or infinity is (every source's values are checked by this one rule), or None."""
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if len(bad) else None


def load_series(
    source: str, value_column: str | None = None, date_column: str | bool | None = None, date_format: str | None = None
) -> LoadedSeries:
    """A built-in series by name, else one column of a CSV or Parquet file, as float64 in time order.

    `value_column` names the column (default: the last). `date_column` names the column whose dates
    order the rows; by default the first column does when it holds dates; `False`: rows are in time
    order. `date_format` (strftime codes) reads the dates one way when their order is ambiguous.
    """
    if source in BUILT_IN:
        built_in = BUILT_IN[source]
        series = built_in.load()
        provenance = f"{source}: {built_in.provenance}, {series.index[0]} to {series.index[-1]}"
        return LoadedSeries(series.to_numpy(dtype=np.float64), provenance, built_in.unit, [str(label) for label in series.index])
    if not source_exists(source):
        raise ConfigError(f"`data.source` ({source!r}) is neither a built-in data set ({', '.join(BUILT_IN)}) nor an existing file")
    return series_from_table(read_table(source), source, value_column, date_column, date_format)


def series_from_table(
    table: Table, source: str, value_column: str | None, date_column: str | bool | None, date_format: str | None
) -> LoadedSeries:
    """One series from a file's cells (or one series' part of a long-format file), checked and in time order."""
    name, values, reading = _values(table, source, value_column)
    order, ordering, dates = _order(table, source, name, date_column, date_format)
    provenance = f"{len(values)} observations of column {name!r} of {source!r}{reading}, {ordering}"
    return LoadedSeries(values[order], provenance, unit=str(name), dates=dates)


def _values(table: Table, source: str, value_column: str | None) -> tuple[str, np.ndarray, str]:
    """The value column's name, its numbers, and how the file was read when that is worth saying."""
    frame = table.cells
    if frame.shape[1] < 1 or frame.empty:
        raise ConfigError(f"data file {source!r} has no rows; expected a header and one observation per line")
    if value_column is not None and value_column not in frame.columns:
        raise ConfigError(f"`data.value_column` ({value_column!r}) is not a column of data file {source!r}; columns: {list(frame.columns)}")
    name = value_column if value_column is not None else frame.columns[-1]
    column = frame[name]
    values, decimal_commas = numbers(column, table.separator)
    if np.isnan(values).all():
        cells = column.str.strip()
        if cells.str.contains(",").any() and cells.str.match(DECIMAL_COMMA).all():  # one column: no separator to tell by
            raise ConfigError(
                f"data file {source!r}: column {name!r} holds numbers with decimal commas ({column.iloc[0].strip()!r}) in a file "
                "read as comma-separated, where a comma could also group thousands: separate fields with ';' or write decimal points"
            )
        which = "its column" if value_column is not None else "its last column"
        raise ConfigError(f"data file {source!r} has no numeric column: {which} {name!r} must hold the values")
    bad = first_non_finite(values)
    if bad is not None:
        held = repr(column.iloc[bad]) if column.iloc[bad].strip() else "an empty value"
        raise ConfigError(f"data file {source!r}: column {name!r} must hold finite numbers; {table.where(bad)} holds {held}")
    reading = []
    if table.separator not in (None, ","):
        reading.append(f"{SEPARATOR_NAMES[table.separator]}-separated")
    if decimal_commas:
        reading.append("decimal commas")
    return name, values, f" (read as {', '.join(reading)})" if reading else ""


def _order(
    table: Table, source: str, value_name: str, date_column: str | bool | None, date_format: str | None
) -> tuple[np.ndarray, str, list[str] | None]:
    """Row order by the date column, how the rows were ordered, in words, and the dates in that order."""
    frame = table.cells
    in_file_order = np.arange(len(frame))
    if date_column is False:
        return in_file_order, "in file order (`data.date_column: false`)", None
    if date_column is None:
        if frame.shape[1] < 2 or frame.columns[0] == value_name:
            return in_file_order, "in file order (no date column)", None
        name, explicit = frame.columns[0], False
    elif date_column not in frame.columns:
        raise ConfigError(f"`data.date_column` ({date_column!r}) is not a column of data file {source!r}; columns: {list(frame.columns)}")
    else:
        name, explicit = date_column, True
    try:
        dates, reading = parse_dates(frame[name], date_format)
    except (AmbiguousDates, MixedZones) as error:
        raise ConfigError(f"data file {source!r}: date column {name!r}: {error}") from None
    if dates.isna().any():
        if not explicit and date_format is None:
            return in_file_order, f"in file order (its first column {name!r} does not hold dates)", None
        bad = int(np.flatnonzero(dates.isna())[0])
        expected = f"dates in the format {date_format!r}" if date_format else "dates"
        raise ConfigError(
            f"data file {source!r}: `data.date_column` {name!r} must hold {expected}; {table.where(bad)} holds {frame[name].iloc[bad]!r} "
            f"(set `data.date_column: false` to take the rows in file order)"
        )
    if dates.duplicated().any():
        bad = int(np.flatnonzero(dates.duplicated())[0])
        raise ConfigError(f"data file {source!r}: date column {name!r} repeats {frame[name].iloc[bad]!r} at {table.where(bad)}")
    order = np.argsort(dates.to_numpy(), kind="stable")
    first, last = frame[name].iloc[order[0]], frame[name].iloc[order[-1]]
    resorted = "" if np.array_equal(order, in_file_order) else ", sorted (the file was not in date order)"
    read_as = f", read {reading}" if reading else ""
    ordered = pd.DatetimeIndex(dates.to_numpy()[order])
    return order, f"ordered by date column {name!r}{read_as}, {first} to {last}{resorted}", [str(date) for date in ordered]
