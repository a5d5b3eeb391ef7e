"""A pandas Series given to `run_sweep` as a catalogue of one, checked by the same rules as a file's column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.config.validation import ConfigError
from sweep.data.catalogue import Catalogue
from sweep.data.frequency import regular
from sweep.data.series import LoadedSeries, first_non_finite


def in_memory(series: pd.Series, fill: str = "error") -> Catalogue:
    """A pandas Series as a catalogue of one, checked as a file's value column is (gaps in its dates: `data.fill`)."""
    name = str(series.name) if series.name is not None else "series"
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    if len(values) == 0:
        raise ConfigError(f"series {name!r} is empty")
    bad = first_non_finite(values)
    if bad is not None:
        held = series.iloc[bad]
        shown = repr(held) if isinstance(held, str) else held
        raise ConfigError(f"series {name!r} must hold finite numbers; at {series.index[bad]} it holds {shown}")
    index = series.index
    dated = isinstance(index, pd.DatetimeIndex | pd.PeriodIndex)
    if dated and index.has_duplicates:
        raise ConfigError(f"series {name!r} has the date {index[index.duplicated()][0]} twice; give each date once")
    order = np.argsort(index, kind="stable") if dated else np.arange(len(values))
    dates = _date_labels(index[order]) if dated else None
    provenance = f"{len(values)} observations of the in-memory series {name!r}, {'in date order' if dated else 'in the order given'}"
    loaded = regular(name, LoadedSeries(values[order], provenance, unit=name, dates=dates), fill)
    return Catalogue({name: loaded}, loaded.provenance)


def _date_labels(index: pd.DatetimeIndex | pd.PeriodIndex) -> list[str]:
    """Dates as text the way files give them: days without a time of day when none has one."""
    if isinstance(index, pd.DatetimeIndex) and (index == index.normalize()).all():
        return list(index.strftime("%Y-%m-%d"))
    return [str(label) for label in index]
