"""Parsing a date column one way for every row, or refusing it with the reason.

pandas' per-element parsing reads `01/02/2020` month-first and `13/02/2020` day-first in the same
column, then the rows are silently re-sorted; and offsets that change across a daylight-saving
switch, or naive dates mixed with zoned ones, end in a traceback. Here numeric day/month dates are
parsed with one format for the whole column (refused when both orders fit and disagree), and zoned
dates are compared as UTC instants.
"""

from __future__ import annotations

import re

import pandas as pd

NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$")
ZONED = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


class AmbiguousDates(ValueError):
    """Both day-first and month-first readings fit every row and disagree."""


class MixedZones(ValueError):
    """Some dates carry a UTC offset and some do not: their order is undefined."""


def parse_dates(cells: pd.Series, date_format: str | None) -> tuple[pd.Series, str]:
    """Timestamps (NaT where a cell is not a date) and how they were read, in words."""
    text = cells.str.strip()
    if date_format is not None:
        return pd.to_datetime(text, format=date_format, errors="coerce"), f"format {date_format!r}"
    numeric = text.str.match(NUMERIC_DATE)
    if len(text) and numeric.all():
        return _day_or_month_first(text)
    zoned = text.str.contains(ZONED)
    if zoned.any() and not zoned.all():
        naive, aware = text[~zoned].iloc[0], text[zoned].iloc[0]
        raise MixedZones(f"some dates have a UTC offset ({aware!r}) and some do not ({naive!r})")
    if zoned.any():
        return pd.to_datetime(text, errors="coerce", format="mixed", utc=True), "as UTC instants (the dates carry offsets)"
    return pd.to_datetime(text, errors="coerce", format="mixed"), ""


def _day_or_month_first(text: pd.Series) -> tuple[pd.Series, str]:
    separator, year = NUMERIC_DATE.match(text.iloc[0]).group(2, 4)
    year_code = "%Y" if len(year) == 4 else "%y"
    day_first_format = f"%d{separator}%m{separator}{year_code}"
    month_first_format = f"%m{separator}%d{separator}{year_code}"
    day_first = pd.to_datetime(text, format=day_first_format, errors="coerce")
    month_first = pd.to_datetime(text, format=month_first_format, errors="coerce")
    day_fits, month_fits = day_first.notna().all(), month_first.notna().all()
    if day_fits and month_fits and not day_first.equals(month_first):
        raise AmbiguousDates(
            f"dates such as {text.iloc[0]!r} read as day-first ({day_first_format!r}) or month-first "
            f"({month_first_format!r}) alike; set `data.date_format` to the one the file uses"
        )
    if day_fits or (not month_fits and day_first.notna().sum() >= month_first.notna().sum()):
        return day_first, f"day-first ({day_first_format!r})"  # if some rows fail, the caller names the first
    return month_first, f"month-first ({month_first_format!r})"


PERIOD = re.compile(r"^\d{4}(?:Q[1-4]|-\d{2})?$")  # a year, a quarter or a month as the built-in series label them


def timestamps(labels: list[str]) -> pd.DatetimeIndex:
    """A series' date labels (a date, an instant, or a period such as '1949-01' or '1990Q1') as timestamps, a period at
    its start, an instant in UTC: the `ds` column the anchors' frames carry."""
    stamps = pd.DatetimeIndex([pd.Period(label).to_timestamp() if PERIOD.match(label) else pd.Timestamp(label) for label in labels])
    return stamps.tz_convert(None) if stamps.tz is not None else stamps
