"""Every way to ask for a forecast either writes its files or ends in one `error:` line naming the fix; none raises.

The matrix runs over finished sweeps the session already has (the shipped smoke runs: one series with baselines at
horizon 1, at horizon 18 with intervals and both strategies, a catalogue with local and global training) and over the
first hour of a user with one monthly series and baselines (the airline series, `search.confirm`, through the API).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.api import run_sweep
from sweep.cli.forecast import main as forecast_main
from sweep.config.loading import load_config
from sweep.config.model import DataConfig
from sweep.data.catalogue import load_catalogue
from trainables.contract import repeat_seed

CONSOLE = str(Path(sys.executable).parent / "lstm-sweep")  # the installed console entry (pyproject's [project.scripts])

# (shipped config, the CLI's arguments after --name/--storage): one and several series, horizon 1 and H, with and without
# levels and baselines, local and global training, both strategies, both choices and a baseline
MATRIX = [
    ("monthly.yaml", []), ("monthly.yaml", ["--choice", "best"]), ("monthly.yaml", ["--method", "seasonal_naive"]),
    ("backtest.yaml", []), ("horizon.yaml", []), ("horizon.yaml", ["--choice", "best", "--horizon", "1"]),
    ("horizon.yaml", ["--method", "arima"]), ("global.yaml", []), ("global.yaml", ["--choice", "best"]),
]  # fmt: skip
AIRLINE = {
    "name": "airline", "repeats": 3, "data": {"test_size": 12},
    "evaluation": {"baselines": ["naive", "seasonal_naive", "ets"], "levels": [80]}, "search": {"confirm": True},
    "studies": {"units": {"epochs": [2, 3], "batch_size": [4], "neurons": [1]}},
}  # fmt: skip


@pytest.mark.parametrize(("shipped", "arguments"), MATRIX, ids=[f"{name}:{' '.join(args) or 'default'}" for name, args in MATRIX])
def test_a_forecast_is_written_or_refused_in_one_line(sweeps, capsys, shipped, arguments):
    results, _ = sweeps.shipped(shipped)
    capsys.readouterr()
    (results / "forecast.csv").unlink(missing_ok=True)
    status = forecast_main(["--name", results.name, "--storage", str(results.parent), *arguments])
    out, err = capsys.readouterr()
    config = load_config(results / "config.yaml")
    if status == 2:  # refused: one line that says what to ask instead, and nothing written
        assert err.count("\n") == 1 and err.startswith("error: ") and "`--choice best`" in err, err
        assert arguments == [] and not (results / "forecast.csv").exists()
        return
    assert status == 0, err
    written = pd.read_csv(results / "forecast.csv", parse_dates=["ds"])
    horizon = int(arguments[arguments.index("--horizon") + 1]) if "--horizon" in arguments else config.evaluation.horizon
    method = arguments[1] if arguments[:1] == ["--method"] else "lstm"
    series = pq.read_table(results / "trials.parquet").to_pandas()["series"].unique().tolist()
    assert written.columns[:2].tolist() == ["unique_id", "ds"] and method in written.columns
    assert written["ds"].dtype.kind == "M" and np.isfinite(written[method]).all()  # a date, as NeuralForecast.predict writes it
    if method == "lstm":
        assert written["unique_id"].tolist() == [name for name in series for _ in range(horizon)]
        levels = [f"lstm-lo-{level:g}" for level in config.evaluation.levels]
        assert all(column in written.columns for column in levels)
        assert "error" not in err and "Traceback" not in err


def test_the_first_hour_one_monthly_series_with_baselines_forecasts_and_confirms(sweeps, tmp_path, capsys):
    """The airline case: one series, baselines, the default (robust) choice, through the API; `search.confirm` with
    baselines confirms an integer point with finite means on fresh seeds; the tables keep each axis's type."""
    airline = load_catalogue(DataConfig(source="classic_monthly")).series["AirPassengers"]  # 1949-1960, monthly
    months = pd.PeriodIndex(airline.dates, freq="M")
    result = run_sweep(AIRLINE, pd.Series(airline.values, index=months, name="AirPassengers"), storage=str(tmp_path))
    folder = tmp_path / "airline"
    assert result.summary[["epochs", "batch_size", "neurons"]].dtypes.tolist() == ["Int64"] * 3  # baselines' rows: <NA>
    assert result.summary["baseline"].notna().sum() == 3 and result.summary.loc[result.summary["baseline"].notna(), "epochs"].isna().all()
    trials, forecasts = (pd.read_parquet(folder / name) for name in ("trials.parquet", "forecasts.parquet"))
    for frame in (trials, forecasts):  # as a user reads them: integer axes stay integers, baselines' rows empty
        assert frame[["epochs", "batch_size", "neurons"]].dtypes.tolist() == ["Int64"] * 3
    assert trials[["repeat", "seed", "training_rows", "trimmed_rows", "forecast_batch_size"]].dtypes.tolist() == ["Int64"] * 5
    assert forecasts.loc[forecasts["baseline"].notna(), "epochs"].isna().all() and forecasts["h"].dtype == np.int64
    assert forecasts[["ds", "cutoff"]].dtypes.tolist() == ["datetime64[ns]"] * 2 and forecasts["index"].dtype == np.int64
    chosen = result.summary[result.summary["robust_choice"].eq(True)]
    confirmation = pd.read_csv(folder / "confirmation.csv")
    assert confirmation["epochs"].dtype == np.int64 and confirmation["epochs"].tolist() == chosen["epochs"].tolist()
    assert np.isfinite(confirmation[["selection_mean", "confirmation_mean"]]).all().all()
    assert confirmation[["confirmation_repeats", "confirmation_failed"]].values.tolist() == [[3, 0]]
    capsys.readouterr()
    forecast = result.forecast()  # the default choice, robust, as `lstm-sweep forecast` with no --choice
    assert forecast.columns.tolist() == ["unique_id", "ds", "h", "lstm", "lstm-lo-80", "lstm-hi-80", "ets"]
    assert forecast[["unique_id", "ds"]].values.tolist() == [["AirPassengers", pd.Timestamp("1961-01-01")]]
    repeats = pd.read_csv(folder / "forecast_repeats.csv")
    point = {axis: int(chosen[axis].iloc[0]) for axis in ("epochs", "batch_size", "neurons")}
    assert repeats[list(point)].drop_duplicates().to_dict("records") == [point]
    trials = result.trials[(result.trials[list(point)] == pd.Series(point)).all(axis=1)].drop_duplicates("repeat")
    assert repeats["seed"].tolist() == trials["seed"].tolist() == [repeat_seed(0, point, repeat) for repeat in range(3)]
    assert "robust choice: of those tied with the lowest mean test rmse" in capsys.readouterr().out


def test_the_console_entry_and_the_module_forecast_as_the_function_does(sweeps):
    """`lstm-sweep forecast` (the installed command) and `python -m sweep.forecast`, as a user types them (with baselines,
    which need no TensorFlow: the LSTM's forecasts run in-process above)."""
    results, _ = sweeps.shipped("monthly.yaml")
    where = ["--name", results.name, "--storage", str(results.parent)]
    command = subprocess.run([CONSOLE, "forecast", *where, "--method", "seasonal_naive"], capture_output=True, text=True)
    assert command.returncode == 0, command.stderr[-2000:]
    assert "baseline seasonal_naive, fitted on all of each series (season 12)" in command.stdout
    assert pd.read_csv(results / "forecast.csv").columns.tolist() == ["unique_id", "ds", "seasonal_naive", "model"]
    module = subprocess.run([sys.executable, "-m", "sweep.forecast", *where, "--method", "naive"], capture_output=True, text=True)
    assert module.returncode == 0 and "baseline naive, fitted on all of each series (season 12)" in module.stdout
    listed = subprocess.run([CONSOLE, "configs"], capture_output=True, text=True)
    assert listed.returncode == 0 and "monthly.yaml" in listed.stdout and "horizon.yaml" in listed.stdout
