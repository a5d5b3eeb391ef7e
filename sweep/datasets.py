"""Reading a series from a built-in data set or a user's CSV file, checked before any trial runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sweep.config import ConfigError

DATA_DIR = Path(__file__).resolve().parent / "data"  # shipped inside the package: no download at run time
BUILT_IN = {"shampoo": "shampoo-sales.csv"}  # Makridakis, Wheelwright & Hyndman (1998), 36 months


def load_series(source: str) -> np.ndarray:
    """The last numeric column of a CSV as float64: a built-in name, else a path."""
    if source in BUILT_IN:
        return _read_csv(DATA_DIR / BUILT_IN[source], source)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(
            f"`data.source` ({source!r}) is neither a built-in data set ({', '.join(BUILT_IN)}) nor an existing file"
        )
    return _read_csv(path, source)


def _read_csv(path: Path, source: str) -> np.ndarray:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # raw text, to name what is wrong
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ConfigError(f"data file {source!r} is not a readable CSV: {error}") from None
    if frame.shape[1] < 1 or frame.empty:
        raise ConfigError(f"data file {source!r} has no rows; expected a header and one observation per line")
    column = frame.iloc[:, -1]
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).all():
        raise ConfigError(
            f"data file {source!r} has no numeric column: its last column {frame.columns[-1]!r} must hold the values"
        )
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        held = repr(column.iloc[bad]) if column.iloc[bad].strip() else "an empty value"
        raise ConfigError(
            f"data file {source!r}: column {frame.columns[-1]!r} must hold finite numbers; "
            f"line {bad + 2} holds {held}"  # 1-based, after the header line
        )
    return values
