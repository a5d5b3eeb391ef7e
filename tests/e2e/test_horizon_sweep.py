"""A sweep forecasting several steps from every cutoff: LSTM and baselines scored by step, in the files and the printout."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from utilsforecast.evaluation import evaluate
from utilsforecast.losses import coverage, mae

from sweep.cli.forecast import main as forecast_main
from sweep.data.series import load_series

HORIZONS = """\
name: horizons
repeats: 2
data: {test_size: 6}
evaluation: {origins: 2, horizon: 3, metric: crps, baselines: [naive, seasonal_naive, ets], levels: [80]}
studies:
  units: {epochs: [3], batch_size: [2], neurons: [1, 2], strategy: [recursive, direct]}
"""
CONFIGURATIONS = [f"units: neurons {neurons}, strategy {strategy}" for neurons in (1, 2) for strategy in ("recursive", "direct")]


def test_every_cutoff_forecasts_each_step_and_the_scores_come_by_step(sweeps):
    results, printed = sweeps.run(HORIZONS)
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    shampoo = load_series("shampoo").values
    assert set(forecasts["h"]) == {1, 2, 3}
    assert (forecasts["index"] == forecasts["cutoff"] + forecasts["h"]).all()
    np.testing.assert_array_equal(forecasts["actual"], shampoo[forecasts["index"]])
    per_window = forecasts.groupby(["baseline", "neurons", "strategy", "repeat", "origin"], dropna=False).size()
    assert (per_window == 6 + 5 + 4).all() and len(per_window) == 2 * (4 * 2 + 3)  # steps inside each 6-long test window
    assert forecasts.groupby(["origin", "h"])["cutoff"].min().to_dict() == {(0, h): 23 for h in (1, 2, 3)} | {(1, h): 29 for h in (1, 2, 3)}
    by_step = pd.read_csv(results / "by_step.csv").set_index("method")
    assert set(by_step.index) == {*CONFIGURATIONS, "naive", "seasonal_naive", "ets"}
    assert list(by_step.columns) == ["h1", "h2", "h3", "mean"] and np.isfinite(by_step.to_numpy()).all()
    naive = forecasts[(forecasts["baseline"] == "naive") & (forecasts["h"] == 3)]
    by_hand = [  # MASE at step 3 of each origin: its MAE over the seasonal naive's in-sample MAE on its training window
        np.mean(np.abs(rows["forecast"] - rows["actual"])) / np.mean(np.abs(shampoo[12:training] - shampoo[: training - 12]))
        for (_, rows), training in zip(naive.groupby("origin"), (24, 30))
    ]
    assert by_step.loc["naive", "h3"] == pytest.approx(np.mean(by_hand))
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert np.isfinite(trials["test_mase"]).all() and len(trials) == 4 * 2 * 2
    baselines = pq.read_table(results / "baselines.parquet").to_pandas()
    for frame in (trials, baselines):  # each repeat's (and baseline's) CRPS from its own errors; no MSIS without a 95% level
        assert np.isfinite(frame["test_crps"]).all() and frame["test_msis"].isna().all()
    # the anchors' evaluator reads the file as it is: its MAE per cutoff, pooled over the cutoffs' steps, is each trial's
    tracks = evaluate(forecasts, [mae], models=["forecast"], time_col="index", target_col="actual")
    steps = forecasts.groupby(["unique_id", "cutoff"]).size().rename("steps")
    pooled = tracks.join(steps, on=["unique_id", "cutoff"]).assign(weighted=lambda frame: frame["forecast"] * frame["steps"])
    pooled = pooled.groupby("unique_id")["weighted"].sum() / pooled.groupby("unique_id")["steps"].sum()
    first = trials.iloc[0]
    track = (
        f"shampoo | units: neurons {first['neurons']}, strategy {first['strategy']} | origin {first['origin']} | repeat {first['repeat']}"
    )
    assert pooled[track] == pytest.approx(first["test_mae"], rel=1e-9)
    assert "test MASE (scale-free) by horizon step, 3 steps from every cutoff" in printed
    assert (results / "by_step.png").stat().st_size > 10_000
    # intervals: calibrated on the errors each cutoff knew (5 at most at step 3, and the printout says so), scored per method
    intervals = pq.read_table(results / "intervals.parquet").to_pandas()
    assert {"forecast-lo-80", "forecast-hi-80", "calibration", "seed_spread"} <= set(intervals.columns)
    assert intervals.groupby("h")["calibration"].max().to_dict() == {1: 11, 2: 8, 3: 5}
    calibrated = intervals[intervals["forecast-lo-80"].notna()]
    assert len(calibrated) and (calibrated["forecast-lo-80"] <= calibrated["forecast"]).all() and (calibrated["calibration"] >= 4).all()
    scores = pd.read_csv(results / "intervals.csv").set_index("method")
    assert set(scores.index) == set(by_step.index) and scores["coverage-80"].between(0, 1).all()
    assert scores.loc["naive", "seed spread (10-90%)"] == 0 and scores.loc[CONFIGURATIONS[-1], "crps (scaled)"] > 0
    # utilsforecast's coverage of the calibrated forecasts, pooled, is the table's
    covered = evaluate(calibrated, [coverage], models=["forecast"], level=[80], time_col="index", target_col="actual")
    covered = covered.join(calibrated.groupby(["unique_id", "cutoff"]).size().rename("n"), on=["unique_id", "cutoff"])
    covered["method"] = covered["unique_id"].str.split(" | ", regex=False).str[1]
    inside = (covered["forecast"] * covered["n"]).groupby(covered["method"]).sum() / covered.groupby("method")["n"].sum()
    pd.testing.assert_series_equal(inside.sort_index(), scores["coverage-80"].sort_index(), check_names=False)
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
    report = (results / "report.html").read_text()
    assert report.count("The chosen configuration's forecast") == 1 and 'alt="shampoo_forecast.png"' in report
    assert report.index('alt="shampoo_forecast.png"') < report.index("<h2>Config</h2>")
    assert forecast_main(["--name", "horizons", "--storage", str(results.parent), "--choice", "best", "--horizon", "2"]) == 0
    assert (results / "report.html").read_text().count("The chosen configuration's forecast") == 1  # replaced, not added again
