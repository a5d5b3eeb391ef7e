"""A sweep forecasting several steps from every cutoff: LSTM and baselines scored by step, in the files and the printout.
It is the shipped conf/horizon.yaml's smoke run (co2, 3 origins, 18 steps, intervals at 80% and 95%), shared with
test_shipped_configs."""

import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import scoringrules
from utilsforecast.evaluation import evaluate
from utilsforecast.losses import coverage, mae

from sweep.cli.forecast import main as forecast_main
from sweep.config.loading import load_config
from sweep.data.series import load_series

SHIPPED = "horizon.yaml"
CONFIG = load_config(SHIPPED)
HORIZON, TEST_SIZE, SEASON = CONFIG.evaluation.horizon, CONFIG.data.test_size, 12  # co2 is monthly: season 12, inferred
CONFIGURATIONS = [
    f"units: epochs {epochs}, neurons {neurons}, strategy {strategy}"
    for epochs in (1, 2) for neurons in (1, 3) for strategy in ("recursive", "direct")
]  # smoke mode: epochs 100 and 300 become 1 and 2  # fmt: skip


@pytest.fixture(scope="module")
def horizon(sweeps):
    return sweeps.shipped(SHIPPED)


def test_every_cutoff_forecasts_each_step_and_the_scores_come_by_step(horizon):
    results, printed = horizon
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    co2 = load_series("co2").values
    assert set(forecasts["h"]) == set(range(1, HORIZON + 1))
    assert (forecasts["index"] == forecasts["cutoff_index"] + forecasts["h"]).all()
    np.testing.assert_array_equal(forecasts["y"], co2[forecasts["index"]])
    dates = load_series("co2").dates  # the anchors' datetimes: ds is the target's month, cutoff the last one known
    assert (forecasts["ds"].dt.strftime("%Y-%m") == np.asarray(dates)[forecasts["index"]]).all()
    assert (forecasts["cutoff"].dt.strftime("%Y-%m") == np.asarray(dates)[forecasts["cutoff_index"]]).all()
    assert (forecasts["unique_id"] == "co2").all() and forecasts["track"].nunique() == 3 * (len(CONFIGURATIONS) * 2 + 4)
    per_window = forecasts.groupby(["baseline", "epochs", "neurons", "strategy", "repeat", "origin"], dropna=False).size()
    steps_inside = sum(TEST_SIZE - h + 1 for h in range(1, HORIZON + 1))  # step h: the cutoffs whose target is in the window
    assert (per_window == steps_inside).all() and len(per_window) == 3 * (len(CONFIGURATIONS) * 2 + len(CONFIG.evaluation.baselines))
    test_starts = trials.groupby("origin")["test_start"].first()
    assert test_starts.tolist() == [len(co2) - TEST_SIZE - 24, len(co2) - TEST_SIZE - 12, len(co2) - TEST_SIZE]
    first_cutoffs = forecasts.groupby(["origin", "h"])["cutoff_index"].min()
    assert (first_cutoffs == test_starts.reindex(first_cutoffs.index.get_level_values("origin")).to_numpy() - 1).all()
    by_step = pd.read_csv(results / "by_step.csv").set_index("method")
    assert set(by_step.index) == {*CONFIGURATIONS, *CONFIG.evaluation.baselines}
    assert list(by_step.columns) == [f"h{h}" for h in range(1, HORIZON + 1)] + ["mean"] and np.isfinite(by_step.to_numpy()).all()
    naive = forecasts[(forecasts["baseline"] == "naive") & (forecasts["h"] == 3)]
    by_hand = [  # MASE at step 3 of each origin: its MAE over the seasonal naive's in-sample MAE on its training window
        np.mean(np.abs(rows["forecast"] - rows["y"])) / np.mean(np.abs(co2[SEASON:training] - co2[: training - SEASON]))
        for (_, rows), training in zip(naive.groupby("origin"), test_starts)
    ]
    assert by_step.loc["naive", "h3"] == pytest.approx(np.mean(by_hand))
    assert np.isfinite(trials["test_mase"]).all() and len(trials) == len(CONFIGURATIONS) * 2 * 3
    baselines = pq.read_table(results / "baselines.parquet").to_pandas()
    for frame in (trials, baselines):  # each repeat's (and baseline's) CRPS and MSIS (the 95% level) from its own errors
        assert np.isfinite(frame["test_crps"]).all() and np.isfinite(frame["test_msis"]).all()
    # the anchors' evaluator reads the file as it reads cross_validation output (id, ds, y): its MAE per track and cutoff,
    # pooled over the cutoffs' steps, is each trial's
    tracks = evaluate(forecasts, [mae], models=["forecast"], id_col="track", time_col="ds", target_col="y")
    plain = evaluate(forecasts.drop(columns="track"), [mae], models=["forecast"], time_col="ds", target_col="y")  # its defaults
    assert set(plain["unique_id"]) == {"co2"} and len(plain) == forecasts["cutoff"].nunique()  # a row per series and cutoff
    steps = forecasts.groupby(["track", "cutoff"]).size().rename("steps")
    pooled = tracks.join(steps, on=["track", "cutoff"]).assign(weighted=lambda frame: frame["forecast"] * frame["steps"])
    pooled = pooled.groupby("track")["weighted"].sum() / pooled.groupby("track")["steps"].sum()
    last = trials.iloc[-1]
    track = (
        f"co2 | units: epochs {last['epochs']}, neurons {last['neurons']}, strategy {last['strategy']} | origin {last['origin']} "
        f"| repeat {last['repeat']}"
    )
    assert pooled[track] == pytest.approx(last["test_mae"], rel=1e-9)
    assert f"test MASE (scale-free) by horizon step, {HORIZON} steps from every cutoff" in printed
    assert (results / "by_step.png").stat().st_size > 10_000


def test_intervals_are_calibrated_on_the_errors_each_cutoff_knew_and_scored_per_method(horizon):
    results, printed = horizon
    intervals = pq.read_table(results / "intervals.parquet").to_pandas()
    assert {"forecast-lo-80", "forecast-hi-80", "forecast-lo-95", "forecast-hi-95", "calibration", "seed_spread"} <= set(intervals.columns)
    naive = intervals[intervals["method"] == "naive"]
    known_at_the_last_cutoff = naive.groupby("h").apply(
        lambda rows: (rows["index"] <= rows["cutoff_index"].max()).sum(), include_groups=False
    )
    assert intervals.groupby("h")["calibration"].max().to_dict() == known_at_the_last_cutoff.to_dict()
    calibrated = intervals[intervals["forecast-lo-95"].notna()]
    assert len(calibrated) and (calibrated["forecast-lo-95"] <= calibrated["forecast-lo-80"]).all()
    assert (calibrated["forecast-lo-80"] <= calibrated["forecast"]).all() and (calibrated["calibration"] >= 19).all()
    scores = pd.read_csv(results / "intervals.csv").set_index("method")
    modelled = [f"{baseline} (model)" for baseline in CONFIG.evaluation.baselines]  # `intervals: [conformal, model]`
    assert set(scores.index) == {*CONFIGURATIONS, *CONFIG.evaluation.baselines, *modelled}
    assert scores[["coverage-80", "coverage-95"]].stack().between(0, 1).all() and np.isfinite(scores["msis"]).all()
    assert scores.loc["naive", "seed spread (10-90%)"] == 0 and scores.loc[CONFIGURATIONS[-1], "crps (scaled)"] > 0
    # utilsforecast's coverage of the calibrated forecasts, pooled, is the table's
    assert intervals["ds"].dtype.kind == "M" and (intervals["unique_id"] == "co2").all()
    covered = evaluate(calibrated, [coverage], models=["forecast"], level=[95], id_col="track", time_col="ds", target_col="y")
    covered = covered.join(calibrated.groupby(["track", "cutoff"]).size().rename("n"), on=["track", "cutoff"])
    covered["method"] = covered["track"].str.split(" | ", regex=False).str[1]
    inside = (covered["forecast"] * covered["n"]).groupby(covered["method"]).sum() / covered.groupby("method")["n"].sum()
    pd.testing.assert_series_equal(inside.sort_index(), scores["coverage-95"].sort_index(), check_names=False)
    held = pd.read_csv(results / "coverage.csv")  # per step and per origin, with a Wilson interval around each
    steps = held[(held["by"] == "h") & (held["level"] == 80)].set_index(["method", "value"])
    by_hand = intervals[intervals["forecast-lo-80"].notna()].assign(
        inside=lambda frame: (frame["forecast-lo-80"] <= frame["y"]) & (frame["y"] <= frame["forecast-hi-80"])
    )
    expected = 100 * by_hand.groupby(["method", "h"])["inside"].mean()
    pd.testing.assert_series_equal(steps["coverage"].sort_index(), expected.sort_index(), check_names=False, check_index_type=False)
    assert (held["ci_low"] <= held["coverage"] + 1e-9).all() and (held["coverage"] <= held["ci_high"] + 1e-9).all()  # float ends
    assert set(held.loc[held["by"] == "origin", "value"]) <= {0, 1, 2} and set(held["level"]) == {80, 95}
    fewest = known_at_the_last_cutoff[HORIZON]
    assert f"note: intervals at 95% and step {HORIZON} are calibrated on at most {fewest} known errors" in printed


def test_model_intervals_are_each_baselines_own_gaussian_interval_scored_beside_the_conformal_ones(horizon):
    results, _ = horizon
    intervals = pq.read_table(results / "intervals.parquet").to_pandas()
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    assert forecasts.loc[forecasts["baseline"].isna(), "sd"].isna().all() and (forecasts.dropna(subset="baseline")["sd"] > 0).all()
    arima = intervals[intervals["method"] == "arima (model)"].merge(
        forecasts[forecasts["baseline"] == "arima"], on=["origin", "cutoff_index", "h"], suffixes=("", "_forecast")
    )
    assert len(arima) == (forecasts["baseline"] == "arima").sum() and arima["calibration"].isna().all()
    np.testing.assert_allclose(arima["forecast-hi-95"] - arima["forecast"], 1.959964 * arima["sd"], rtol=1e-6)
    np.testing.assert_allclose(arima["forecast"] - arima["forecast-lo-80"], 1.281552 * arima["sd"], rtol=1e-6)
    widths = arima.groupby("h")["sd"].mean()  # an ARIMA's forecast variance grows with the step
    assert widths.is_monotonic_increasing and widths.iloc[-1] > 2 * widths.iloc[0]
    steps = pd.read_csv(results / "coverage.csv").query("by == 'h' and method == 'arima (model)'")
    assert len(steps) == 2 * HORIZON  # the model needs no calibration: every step at both levels
    co2, starts = load_series("co2").values, {0: len(load_series("co2").values) - TEST_SIZE - 24}
    starts |= {1: starts[0] + 12, 2: starts[0] + 24}
    scale = arima["origin"].map({origin: np.mean(np.abs(co2[SEASON:start] - co2[: start - SEASON])) for origin, start in starts.items()})
    gaussian = scoringrules.crps_normal(arima["y"].to_numpy(), arima["forecast"].to_numpy(), arima["sd"].to_numpy()) / scale
    scores = pd.read_csv(results / "intervals.csv").set_index("method")
    assert scores.loc["arima (model)", "crps (scaled)"] == pytest.approx(gaussian.mean(), rel=1e-9)  # its Gaussian's CRPS


def test_the_winners_forecast_runs_the_horizon_with_the_backtests_intervals_and_draws_a_fan_chart(horizon, capsys):
    results, _ = horizon
    storage, name = str(results.parent), results.name
    assert forecast_main(["--name", name, "--storage", storage, "--choice", "best", "--horizon", str(HORIZON + 2)]) == 0
    printed = capsys.readouterr().out
    forecast = pd.read_csv(results / "forecast.csv", parse_dates=["ds"])
    bands = ["lstm-lo-80", "lstm-hi-80", "lstm-lo-95", "lstm-hi-95"]
    model_bands = ["ets-lo-80", "ets-hi-80", "ets-lo-95", "ets-hi-95"]  # statsforecast's shape for ETS's own intervals
    assert list(forecast.columns) == ["unique_id", "ds", "h", "lstm", *bands, "ets", *model_bands]  # NeuralForecast.predict's
    ets = forecast[["ets-lo-95", "ets-lo-80", "ets", "ets-hi-80", "ets-hi-95"]].to_numpy()
    assert (np.diff(ets, axis=1) > 0).all()  # every step, the scored ones and those after
    assert forecast["ds"].tolist()[:2] == [pd.Timestamp("2002-01-01"), pd.Timestamp("2002-02-01")]
    assert forecast["h"].tolist() == list(range(1, HORIZON + 3))
    scored = forecast[forecast["h"] <= HORIZON]  # the steps the backtest scored have intervals around the median; later ones none
    nested = scored[["lstm-lo-95", "lstm-lo-80", "lstm", "lstm-hi-80", "lstm-hi-95"]].to_numpy()
    assert (np.diff(nested, axis=1) > 0).all()
    assert forecast.loc[forecast["h"] > HORIZON, bands].isna().all().all()
    assert f"note: no interval at 80%, 95% for the steps the backtest scored too few of (it scored {HORIZON} steps ahead)" in printed
    repeats = pd.read_csv(results / "forecast_repeats.csv")
    assert len(repeats) == 2 * (HORIZON + 2) and np.allclose(repeats.groupby("h")["forecast"].median(), forecast["lstm"])
    assert (results / "co2_forecast.png").stat().st_size > 10_000
    report = (results / "report.html").read_text()
    assert report.count("The chosen configuration's forecast") == 1 and 'alt="co2_forecast.png"' in report
    assert report.index('alt="co2_forecast.png"') < report.index("<h2>Config</h2>")
    assert forecast_main(["--name", name, "--storage", storage, "--choice", "best", "--horizon", "2"]) == 0
    assert (results / "report.html").read_text().count("The chosen configuration's forecast") == 1  # replaced, not added again


def test_the_report_leads_with_the_verdict_then_the_intervals_and_by_step_tables(horizon):
    results, _ = horizon
    report = (results / "report.html").read_text()
    scores = pd.read_csv(results / "intervals.csv").set_index("method")
    summary = pd.read_csv(results / "summary.csv")
    verdict = report[report.index("<h2>Verdict</h2>") : report.index("</ul>")]
    assert report.index("<h2>Verdict</h2>") < report.index("<h2>Intervals at 80%, 95%") < report.index("<h2>Test MASE by horizon step")
    assert report.index("<h2>Test MASE by horizon step") < report.index("<h2>Study units</h2>")
    assert report.index("<h2>Intervals at 80%, 95%") < report.index("<h2>Coverage by horizon step") < report.index("<h2>Study units</h2>")
    assert 'alt="reliability.png"' in report and (results / "reliability.png").stat().st_size > 10_000
    best = summary.loc[summary["best"].eq(True)]
    best_name = best["baseline"].iloc[0] if best["baseline"].notna().iloc[0] else None
    assert verdict.startswith("<h2>Verdict</h2>") and "Study units: the best method is " in verdict
    if best_name is not None:  # a baseline won: the best LSTM's gap to it, with the Holm p, and its coverage
        assert f"the best method is {best_name} (mean test MASE {best['mean'].iloc[0]:.4g})" in verdict
    assert "the best LSTM configuration" in verdict or "the best baseline" in verdict
    covered = scores.loc[[method for method in scores.index if method.startswith("units: ")], "coverage-95"]
    assert re.search(r"Its 80% and 95% intervals held for \d+\.\d% and (\d+\.\d)% of \d+ calibrated backtest forecasts", verdict)
    held = float(re.search(r"and (\d+\.\d)% of", verdict).group(1)) / 100
    assert any(abs(held - value) < 0.0005 for value in covered)  # one configuration's coverage, from intervals.csv
