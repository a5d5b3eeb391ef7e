"""Series given to `run_sweep` in memory: one pandas Series, a dict of them, or a long DataFrame
(neuralforecast's `unique_id, ds, y`, or the columns `data.*_column` name), each checked by the same
rules as a file's column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.config.model import DataConfig
from sweep.config.validation import ConfigError
from sweep.data.catalogue import Catalogue
from sweep.data.frequency import regular
from sweep.data.series import LoadedSeries, first_non_finite

LONG_COLUMNS = ("unique_id", "ds", "y")  # neuralforecast's and statsforecast's long frame


def in_memory_catalogue(data: pd.Series | dict | pd.DataFrame, config: DataConfig) -> Catalogue:
    """The series `data` holds, in the order given, as a catalogue; a long frame's columns default to `LONG_COLUMNS`."""
    if isinstance(data, pd.Series):
        return in_memory(data, config.fill)
    if isinstance(data, pd.DataFrame):
        data = _long_frame_series(data, config)
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"`data` must be a pandas Series, a dict of them, or a long DataFrame; received {type(data).__name__}")
    named = {str(name): in_memory(series.rename(str(name)), config.fill).series[str(name)] for name, series in data.items()}
    return Catalogue(named, f"{len(named)} in-memory series" if len(named) > 1 else next(iter(named.values())).provenance)


def _long_frame_series(frame: pd.DataFrame, config: DataConfig) -> dict[str, pd.Series]:
    names = (config.series_column or LONG_COLUMNS[0], config.date_column or LONG_COLUMNS[1], config.value_column or LONG_COLUMNS[2])
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise ConfigError(
            f"the DataFrame lacks column(s) {', '.join(map(repr, missing))}; it has {list(frame.columns)}: name yours with "
            "`data.series_column`, `data.date_column` and `data.value_column`, or use neuralforecast's unique_id, ds, y"
        )
    ids, dates, values = names
    stamps = frame[dates] if isinstance(frame[dates].dtype, pd.PeriodDtype) else pd.to_datetime(frame[dates])
    indexed = pd.Series(frame[values].to_numpy(), index=pd.Index(stamps)).groupby(frame[ids].to_numpy(), sort=False)
    return {str(name): group for name, group in indexed}


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
