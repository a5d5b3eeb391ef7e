"""A sweep forecasting several steps from every cutoff: LSTM and baselines scored by step, in the files and the printout."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.cli.forecast import main as forecast_main
from sweep.data.series import load_series

HORIZONS = """\
name: horizons
repeats: 2
data: {test_size: 6}
evaluation: {origins: 2, horizon: 3, metric: mase, baselines: [naive, seasonal_naive, ets], levels: [80]}
studies:
  units: {epochs: [3], batch_size: [2], neurons: [1, 2]}
"""


def test_every_cutoff_forecasts_each_step_and_the_scores_come_by_step(sweeps):
    results, printed = sweeps.run(HORIZONS)
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    shampoo = load_series("shampoo").values
    assert set(forecasts["h"]) == {1, 2, 3}
    assert (forecasts["index"] == forecasts["cutoff"] + forecasts["h"]).all()
    np.testing.assert_array_equal(forecasts["actual"], shampoo[forecasts["index"]])
    per_window = forecasts.groupby(["baseline", "neurons", "repeat", "origin"], dropna=False).size()
    assert (per_window == 6 + 5 + 4).all() and len(per_window) == 2 * (2 * 2 + 3)  # steps inside each 6-long test window
    assert forecasts.groupby(["origin", "h"])["cutoff"].min().to_dict() == {(0, h): 23 for h in (1, 2, 3)} | {(1, h): 29 for h in (1, 2, 3)}
    by_step = pd.read_csv(results / "by_step.csv").set_index("method")
    assert set(by_step.index) == {"units: neurons 1", "units: neurons 2", "naive", "seasonal_naive", "ets"}
    assert list(by_step.columns) == ["h1", "h2", "h3", "mean"] and np.isfinite(by_step.to_numpy()).all()
    naive = forecasts[(forecasts["baseline"] == "naive") & (forecasts["h"] == 3)]
    by_hand = [  # MASE at step 3 of each origin: its MAE over the seasonal naive's in-sample MAE on its training window
        np.mean(np.abs(rows["forecast"] - rows["actual"])) / np.mean(np.abs(shampoo[12:training] - shampoo[: training - 12]))
        for (_, rows), training in zip(naive.groupby("origin"), (24, 30))
    ]
    assert by_step.loc["naive", "h3"] == pytest.approx(np.mean(by_hand))
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert np.isfinite(trials["test_mase"]).all() and len(trials) == 2 * 2 * 2
    assert "test MASE (scale-free) by horizon step, 3 steps from every cutoff" in printed
    assert (results / "by_step.png").stat().st_size > 10_000
    # intervals: calibrated on the errors each cutoff knew (5 at most at step 3, and the printout says so), scored per method
    intervals = pq.read_table(results / "intervals.parquet").to_pandas()
    assert {"lo-80", "hi-80", "calibration", "seed_spread"} <= set(intervals.columns)
    assert intervals.groupby("h")["calibration"].max().to_dict() == {1: 11, 2: 8, 3: 5}
    calibrated = intervals[intervals["lo-80"].notna()]
    assert len(calibrated) and (calibrated["lo-80"] <= calibrated["forecast"]).all() and (calibrated["calibration"] >= 4).all()
    scores = pd.read_csv(results / "intervals.csv").set_index("method")
    assert set(scores.index) == set(by_step.index) and scores["coverage-80"].between(0, 1).all()
    assert scores.loc["naive", "seed spread (10-90%)"] == 0 and scores.loc["units: neurons 2", "crps (scaled)"] > 0
    assert "note: intervals at 80% and step 3 are calibrated on at most 5 known errors" in printed


def test_the_winners_forecast_runs_the_horizon_with_the_backtests_intervals_and_draws_a_fan_chart(sweeps, capsys):
    results, _ = sweeps.run(HORIZONS)
    assert forecast_main(["--name", "horizons", "--storage", str(results.parent), "--choice", "best", "--horizon", "4"]) == 0
    printed = capsys.readouterr().out
    forecast = pd.read_csv(results / "forecast.csv")
    assert list(forecast.columns) == ["series", "ds", "h", "lstm", "lstm-lo-80", "lstm-hi-80", "ets"]
    assert forecast["ds"].tolist() == ["1904-01", "1904-02", "1904-03", "1904-04"] and forecast["h"].tolist() == [1, 2, 3, 4]
    scored = forecast[forecast["h"] <= 3]  # the steps the backtest scored have intervals around the median; step 4 none
    assert ((scored["lstm-lo-80"] < scored["lstm"]) & (scored["lstm"] < scored["lstm-hi-80"])).all()
    assert forecast.loc[3, ["lstm-lo-80", "lstm-hi-80"]].isna().all()
    assert "note: no interval at 80% for the steps the backtest scored too few of (it scored 3 steps ahead)" in printed
    repeats = pd.read_csv(results / "forecast_repeats.csv")
    assert len(repeats) == 2 * 4 and np.allclose(repeats.groupby("h")["forecast"].median(), forecast["lstm"])
    assert (results / "shampoo_forecast.png").stat().st_size > 10_000
