"""A dated series' frequency, its season, and its gaps: never read a missing month as consecutive.

The frequency is read from the dates themselves: periods (`1901-01`, `1959Q1`, `1871`) step one
period at a time; timestamps take pandas' inferred frequency, or, when a date is missing, the
calendar frequency whose range holds every date given. A series with a gap is refused with its
first missing date unless `data.fill` says how to fill it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from sweep.config.validation import ConfigError
from sweep.data.series import LoadedSeries


@dataclass(frozen=True)
class Frequency:
    name: str  # "monthly", in words for notes
    season: int  # observations per seasonal cycle: the default `evaluation.season`


FREQUENCIES = {  # the first letter of a pandas frequency code -> the frequency it stands for
    "h": Frequency("hourly", 24),
    "D": Frequency("daily", 7),
    "W": Frequency("weekly", 52),
    "M": Frequency("monthly", 12),
    "Q": Frequency("quarterly", 4),
    "Y": Frequency("yearly", 1),
    "A": Frequency("yearly", 1),
}
CALENDAR_CODES = ("h", "D", "W", "MS", "ME", "QS", "QE", "YS", "YE")  # tried in turn on dates with a gap


@dataclass(frozen=True)
class Gap:
    """The first date a dated series lacks, at the frequency its other dates follow."""

    frequency: Frequency
    missing: str  # the first missing date, as the series' dates are written
    count: int  # how many dates are missing in all
    full: pd.Index  # every date of the series' span at that frequency


def frequency_of(dates: list[str]) -> Frequency | Gap | None:
    """The frequency of dates in time order, a `Gap` when some are missing, or None when they follow no calendar
    frequency (irregular timestamps, fewer than three dates)."""
    return _frequency_of_dates(tuple(dates))


@lru_cache(maxsize=64)
def _frequency_of_dates(dates: tuple[str, ...]) -> Frequency | Gap | None:
    """Read once per distinct run of dates: a catalogue's series mostly share theirs, and parsing each series' dates
    again took 10,000 series' loading past a minute."""
    periods = _as_periods(dates)
    if periods is not None:
        steps = np.diff(periods.asi8)
        frequency = FREQUENCIES.get(periods.freqstr[0])
        if frequency is None:
            return None
        if (steps == 1).all():
            return frequency
        full = pd.period_range(periods[0], periods[-1], freq=periods.freq)
        missing = full.difference(periods)
        return Gap(frequency, str(missing[0]), len(missing), full)
    stamps = pd.DatetimeIndex(dates)
    if len(stamps) < 3:
        return None
    inferred = pd.infer_freq(stamps)
    if inferred is not None:
        return FREQUENCIES.get(inferred.lstrip("0123456789")[0])
    for code in CALENDAR_CODES:
        alias = f"W-{stamps[0].strftime('%a').upper()}" if code == "W" else code
        full = pd.date_range(stamps[0], stamps[-1], freq=alias)
        if stamps.isin(full).all() and len(full) < 2 * len(stamps):
            missing = full.difference(stamps)
            return Gap(FREQUENCIES[code[0]], str(missing[0].date() if code != "h" else missing[0]), len(missing), full)
    return None


def _as_periods(dates: list[str]) -> pd.PeriodIndex | None:
    """Dates written as periods (`1901-01`, `1959Q1`, `1871`), else None (timestamps)."""
    try:
        periods = pd.PeriodIndex([pd.Period(date) for date in dates])
    except (ValueError, TypeError):
        return None
    written_as_periods = [str(period) for period in periods] == list(dates)
    return periods if written_as_periods and periods.freqstr[0] in "MQYA" else None  # a day or a time: a timestamp


def regular(name: str, loaded: LoadedSeries, fill: str) -> LoadedSeries:
    """The series at one observation per period: as it is, or with its gaps filled (`data.fill`); refused otherwise."""
    if not loaded.dates:
        return loaded
    found = frequency_of(loaded.dates)
    if not isinstance(found, Gap):
        return loaded
    if fill == "error":
        raise ConfigError(
            f"series {name!r} has {found.frequency.name} dates with {found.count} missing, the first {found.missing}: "
            "add the missing rows, or set `data.fill: interpolate` (linear between neighbours) or `data.fill: forward` "
            "(the last observation carried forward)"
        )
    given = pd.Series(loaded.values, index=_index_of(loaded.dates, found.full))
    spread = given.reindex(found.full)
    values = spread.interpolate() if fill == "interpolate" else spread.ffill()
    filled = f"{found.count} missing {found.frequency.name} dates filled ({'interpolated' if fill == 'interpolate' else 'carried forward'})"
    return replace(
        loaded, values=values.to_numpy(dtype=np.float64), dates=[str(date) for date in _labels(found.full)],
        provenance=f"{loaded.provenance}; {filled}",
    )  # fmt: skip


def _index_of(dates: list[str], full: pd.Index) -> pd.Index:
    return pd.PeriodIndex([pd.Period(date) for date in dates]) if isinstance(full, pd.PeriodIndex) else pd.DatetimeIndex(dates)


def _labels(full: pd.Index) -> list:
    return list(full) if isinstance(full, pd.PeriodIndex) else [str(stamp) for stamp in full]


def common_frequency(catalogue: dict[str, LoadedSeries]) -> Frequency | None:
    """The one frequency every dated series follows; None when none is dated. Series of different frequencies are
    refused: one season cannot serve them all."""
    found = {name: frequency_of(loaded.dates) for name, loaded in catalogue.items() if loaded.dates}
    frequencies = {name: frequency for name, frequency in found.items() if isinstance(frequency, Frequency)}
    kinds = {frequency.name for frequency in frequencies.values()}
    if len(kinds) > 1:
        example = {kind: next(name for name, frequency in frequencies.items() if frequency.name == kind) for kind in sorted(kinds)}
        listed = ", ".join(f"{name!r} is {kind}" for kind, name in example.items())
        raise ConfigError(f"the series have different frequencies ({listed}); sweep each frequency on its own, or set `evaluation.season`")
    if not frequencies or len(frequencies) < len(catalogue):
        return None
    return next(iter(frequencies.values()))
