"""Reading a series from a built-in data set or a user's CSV file, checked before any trial runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sweep.config import ConfigError

DATA_DIR = Path(__file__).resolve().parent / "data"  # shipped inside the package: no download at run time
BUILT_IN = {"shampoo": "shampoo-sales.csv"}  # Makridakis, Wheelwright & Hyndman (1998), 36 months


def load_series(source: str, value_column: str | None = None) -> np.ndarray:
    """One column of a CSV or Parquet file as float64, in file order: a built-in name, else a path.

    `value_column` names the column; by default it is the last one.
    """
    if source in BUILT_IN:
        path = DATA_DIR / BUILT_IN[source]
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(
                f"`data.source` ({source!r}) is neither a built-in data set ({', '.join(BUILT_IN)}) nor an existing file"
            )
    is_csv = path.suffix.lower() != ".parquet"
    return _values(_read_table(path, source, is_csv), source, value_column, is_csv)


def _read_table(path: Path, source: str, is_csv: bool) -> pd.DataFrame:
    """Every cell as raw text, so an error can quote what the file holds."""
    try:
        if not is_csv:
            return pd.read_parquet(path).map(lambda value: "" if value is None else str(value))
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as error:
        raise ConfigError(f"data file {source!r} is not a readable {'CSV' if is_csv else 'Parquet'} file: {error}") from None


def _values(frame: pd.DataFrame, source: str, value_column: str | None, is_csv: bool) -> np.ndarray:
    if frame.shape[1] < 1 or frame.empty:
        raise ConfigError(f"data file {source!r} has no rows; expected a header and one observation per line")
    if value_column is not None and value_column not in frame.columns:
        raise ConfigError(
            f"`data.value_column` ({value_column!r}) is not a column of data file {source!r}; columns: {list(frame.columns)}"
        )
    name = value_column if value_column is not None else frame.columns[-1]
    column = frame[name]
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).all():
        which = "its column" if value_column is not None else "its last column"
        raise ConfigError(f"data file {source!r} has no numeric column: {which} {name!r} must hold the values")
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        held = repr(column.iloc[bad]) if column.iloc[bad].strip() else "an empty value"
        where = f"line {bad + 2}" if is_csv else f"row {bad + 1}"  # 1-based; a CSV's line 1 is its header
        raise ConfigError(f"data file {source!r}: column {name!r} must hold finite numbers; {where} holds {held}")
    return values
