"""The Python API the CLI wraps: run a sweep from a notebook or a script, on files or in-memory series, and forecast.

>>> import pandas as pd
>>> from sweep import run_sweep
>>> sales = pd.Series([266.0, 145.9, 183.1, 119.3, 180.3, 168.5, 231.8, 224.5, 192.8, 122.9, 336.5, 185.9,
...                    194.3, 149.5, 210.1, 273.3, 191.4, 287.0, 226.0, 303.6, 289.9, 421.6, 264.5, 342.3],
...                   index=pd.period_range("2024-01", periods=24, freq="M"), name="sales")
>>> result = run_sweep({"name": "doc", "repeats": 2, "data": {"test_size": 6},
...                     "studies": {"units": {"epochs": [3], "batch_size": [1], "neurons": [1, 2]}}},
...                    series=sales, storage=STORAGE)  # doctest: +ELLIPSIS
ray: ...
>>> result.tables["units"].loc["count"].tolist()
[2.0, 2.0]
>>> sorted(result.trials["neurons"].unique().tolist()), result.summary["series"].unique().tolist()
([1, 2], ['sales'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sweep.config.loading import load_config, parse_config
from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.core import execute
from sweep.data.catalogue import Catalogue, load_catalogue
from sweep.data.in_memory import in_memory_catalogue
from sweep.forecasting import forecast_winner
from sweep.reports.console import print_finished
from sweep.reports.files import write_forecast
from sweep.results.per_series import TablesByName
from sweep.storage.folder import ResultsFolder
from sweep.storage.layout import FORECASTS_FILE


@dataclass(frozen=True)
class SweepResult:
    folder: str  # where the results were written: <storage>/<name>
    trials: pd.DataFrame  # one row per (series, study, point, repeat, origin): trials.parquet
    summary: pd.DataFrame  # describe() and the statistics per (series, study, point): summary.csv
    tables: Mapping[str, pd.DataFrame]  # study -> its describe() table as printed (with several series: "series/study", built when read)
    baselines: pd.DataFrame  # the baselines' scores per (series, baseline, origin): baselines.parquet; empty without them
    across: dict[str, pd.DataFrame]  # study -> each method judged across series (mean rank, wins, verdict); {} for one series
    config: SweepConfig  # the config as it ran (its season settled)
    catalogue: Catalogue = field(repr=False)  # the series it ran on
    results: ResultsFolder = field(repr=False)  # `folder`, as a filesystem the forecast writes to

    def forecast(self, study: str | None = None, choice: str = "robust", horizon: int | None = None) -> pd.DataFrame:
        """What `lstm-sweep forecast` does, from memory: the chosen configuration (`choice`: robust or best; across
        series, the lowest mean rank) trained on all of each series, forecasting `horizon` steps (default: the sweep's):
        `unique_id, ds, h, lstm` (the repeats' median, what the tables scored) with the sweep's intervals and the best
        baseline beside, as NeuralForecast.predict returns it; also written to `<folder>/forecast.csv`, every repeat's
        forecasts to `forecast_repeats.csv`. Prints the same lines."""
        baselines = self.baselines if not self.baselines.empty else None
        backtest = self.results.read_parquet(FORECASTS_FILE) if self.results.exists(FORECASTS_FILE) else None
        forecast = forecast_winner(self.config, self.catalogue, self.trials, baselines, study, choice, horizon, backtest)
        for line in forecast.lines:
            print(line)
        write_forecast(self.results, forecast, self.catalogue)
        return forecast.frame


class SweepInterrupted(RuntimeError):
    """The sweep stopped before it finished (Ctrl-C, a lost driver); nothing computed is lost: run it again with resume=True."""


def run_sweep(
    config: str | Path | dict | SweepConfig, series: pd.Series | None = None, *, data: pd.DataFrame | dict | None = None,
    storage: str | None = None, name: str | None = None, num_cpus: int | None = None, address: str | None = None,
    resume: bool = False,
) -> SweepResult:  # fmt: skip
    """Run a sweep as `python -m sweep.run` does, and return its results as DataFrames.

    `config`: a YAML path (or a file name in conf/), a dict of the YAML's keys, or a `SweepConfig`.
    `series`: a pandas Series to sweep instead of `data.source`; a DatetimeIndex or PeriodIndex orders
    it and gives the dates, any other index keeps the order given. `data`: several series instead, as a
    dict of Series or a long DataFrame (`unique_id, ds, y`, or the columns `data.series_column`,
    `data.date_column` and `data.value_column` name). Bad input raises `ConfigError`,
    naming the key; an interrupted sweep raises `SweepInterrupted`. A Ray already running in this
    process is used as it is, else one is started (`num_cpus`) or joined (`address`).
    """
    loaded = config if isinstance(config, SweepConfig) else load_config(config) if isinstance(config, str | Path) else parse_config(config)
    overrides = {key: value for key, value in (("storage", storage), ("name", name)) if value is not None}
    loaded = parse_config(loaded.model_dump() | overrides, source="run_sweep") if overrides else loaded
    if series is not None and data is not None:
        raise ConfigError("give `series` (one) or `data` (several), not both")
    given = series if series is not None else data
    catalogue = in_memory_catalogue(given, loaded.data) if given is not None else load_catalogue(loaded.data)
    hint = "run_sweep(..., resume=True)"
    finished = execute(loaded, catalogue, address, num_cpus, resume, resume_hint=hint)
    print_finished(finished, loaded, catalogue.unit, hint)
    if finished.outcome is None or finished.while_confirming:
        raise SweepInterrupted(f"the sweep in {finished.folder} stopped before it finished; run_sweep(..., resume=True) continues it")
    outcome = finished.outcome
    tables = outcome.single or TablesByName(outcome.tables, list(finished.plan.studies))
    across = {study: judged.comparison for study, judged in outcome.across.items()}
    return SweepResult(
        str(finished.folder),
        outcome.trials,
        outcome.summary,
        tables,
        outcome.baselines,
        across,
        finished.config,
        catalogue,
        finished.folder,
    )
