"""A backtest sweep end to end through a real local Ray: origins, baselines as rows, forecasts kept."""

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sweep.cli.forecast import main as forecast_main
from sweep.config.loading import load_config
from sweep.data.series import load_series
from trainables import point_label

SHIPPED = "backtest.yaml"  # its smoke run (nile, 5 origins 12 apart, naive/ets/arima), shared with test_shipped_configs
CONFIG = load_config(SHIPPED)
NEURONS, ORIGINS, TEST_SIZE = CONFIG.studies["neurons"].neurons, CONFIG.evaluation.origins, CONFIG.data.test_size
CHOSEN_ON = CONFIG.evaluation.selection_origins  # `holdout: 1`: the last origin decides nothing


@pytest.fixture(scope="module")
def backtest(sweeps):
    return sweeps.shipped(SHIPPED)


def test_every_repeat_is_scored_at_every_origin(backtest):
    results, _ = backtest
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert len(trials) == len(NEURONS) * 2 * ORIGINS and (trials["status"] == "completed").all()
    test_starts = [100 - TEST_SIZE * (ORIGINS - origin) for origin in range(ORIGINS)]  # nile: 100 years
    assert trials.groupby("origin")["test_start"].first().tolist() == test_starts == [40, 52, 64, 76, 88]
    assert trials.groupby("origin")["training_rows"].first().tolist() == [36, 48, 60, 72, 84]  # expanding: 39, 51, ... trimmed to 4s
    assert trials.groupby(["neurons", "repeat"])["seed"].nunique().eq(1).all()  # each origin refits from the repeat's seed
    for metric in ("rmse", "mae", "smape", "mase"):
        assert np.isfinite(trials[f"test_{metric}"]).all()
    assert trials["epochs_chosen"].between(1, trials["epochs"]).all()  # `early_stopping`: each repeat's own, per origin


def test_baselines_are_rows_beside_the_configurations(backtest):
    results, printed = backtest
    baselines = pq.read_table(results / "baselines.parquet").to_pandas()
    assert len(baselines) == 3 * ORIGINS and (baselines["status"] == "completed").all()
    assert set(baselines["baseline"]) == {"naive", "ets", "arima"} and baselines["model"].str.len().gt(0).all()
    summary = pd.read_csv(results / "summary.csv")
    assert summary.dropna(subset=["baseline"])["baseline"].tolist() == ["naive", "ets", "arima"]
    assert (summary.dropna(subset=["baseline"])["count"] == CHOSEN_ON).all() and (summary["baseline"].isna().sum() == len(NEURONS))
    assert {"seed_sd", "origin_sd"} <= set(summary.columns)
    assert "test MASE (scale-free), 5 origins 12 apart (expanding window); the first 4 only, the last 1 held out (holdout.csv)" in printed
    for label in ("naive (baseline)", "ets (baseline)", "arima (baseline)", "sd over seeds (within origin)", "sd over origins (of means)"):
        assert label in printed
    report = (results / "report.html").read_text()
    assert "van Elteren" in report and "ets (baseline)" in report
    assert (results / "neurons_forecasts.png").is_file() and (results / "neurons_boxplot.png").is_file()


def test_forecasts_of_the_trials_and_the_baselines_are_kept(backtest):
    results, _ = backtest
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    lstm, baselines = forecasts[forecasts["baseline"].isna()], forecasts[forecasts["baseline"].notna()]
    assert len(lstm) == len(NEURONS) * 2 * ORIGINS * TEST_SIZE and len(baselines) == 3 * ORIGINS * TEST_SIZE
    assert baselines["study"].isna().all() and baselines["repeat"].isna().all()
    assert sorted(lstm["index"].unique()) == list(range(40, 100)) and lstm["ds"].iloc[0] == pd.Timestamp("1911-01-01")
    naive = baselines[baselines["baseline"] == "naive"]
    nile = load_series("nile").values
    assert np.array_equal(naive["forecast"].to_numpy(), nile[naive["index"] - 1])
    assert np.array_equal(lstm["y"].to_numpy(), nile[lstm["index"]])


def test_the_winner_forecasts_the_next_observation_with_every_repeat(backtest, capsys):
    results, _ = backtest
    assert forecast_main(["--name", results.name, "--storage", str(results.parent), "--choice", "best"]) == 0
    printed = capsys.readouterr().out
    written = pd.read_csv(results / "forecast.csv", parse_dates=["ds"])
    assert written[["unique_id", "ds", "h"]].values.tolist() == [["nile", pd.Timestamp("1971-01-01"), 1]]
    repeats = pd.read_csv(results / "forecast_repeats.csv")
    assert repeats["repeat"].tolist() == [0, 1] and written["lstm"].iloc[0] == pytest.approx(np.median(repeats["forecast"]))
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    means = trials[trials["origin"] < CHOSEN_ON].groupby("neurons")["test_mase"].mean()
    assert (repeats["neurons"] == means.idxmin()).all()  # the study's best by the sweep's metric, on the origins chosen on
    seeds = trials[trials["neurons"] == means.idxmin()].drop_duplicates("repeat")["seed"].tolist()
    assert repeats["seed"].tolist() == seeds  # the repeats' own seeds
    assert f"forecast for 1971: median {np.median(repeats['forecast']):.3f} 10^8 m^3" in printed


def test_the_held_out_origin_decides_nothing_and_scores_the_choice_and_the_baselines(backtest, tmp_path, capsys):
    results, printed = backtest
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    summary = pd.read_csv(results / "summary.csv")
    chosen_on = trials[trials["origin"] < CHOSEN_ON].groupby("neurons")["test_mase"].mean()
    np.testing.assert_allclose(summary.dropna(subset=["neurons"]).set_index("neurons")["mean"].sort_index(), chosen_on.sort_index())
    holdout = pd.read_csv(results / "holdout.csv")
    choice = summary.loc[summary["robust_choice"].fillna(False).astype(bool), "neurons"].item()
    assert holdout["role"].tolist() == ["chosen", "baseline", "baseline", "baseline"] and (holdout["holdout_origins"] == 1).all()
    assert holdout["method"].tolist()[1:] == ["naive (baseline)", "ets (baseline)", "arima (baseline)"]
    mine = trials[trials["neurons"] == choice]
    row = holdout.iloc[0]
    assert row["method"] == point_label({"neurons": choice}, ["neurons"]) and np.isfinite([row["mean_ci_low"], row["mean_ci_high"]]).all()
    assert row["selection_mean"] == pytest.approx(chosen_on[choice])
    assert row["holdout_mean"] == pytest.approx(mine.loc[mine["origin"] == CHOSEN_ON, "test_mase"].mean())
    assert "held out: the last 1 origins chose nothing" in printed
    assert "Held out: the last 1 origins chose nothing" in (results / "report.html").read_text()
    # the held-out scores made to favour every other configuration change no choice `forecast` makes
    best = chosen_on.idxmin()
    copied = tmp_path / results.name
    shutil.copytree(results, copied, ignore=shutil.ignore_patterns("tune"))
    skewed = trials.assign(test_mase=np.where((trials["origin"] == CHOSEN_ON) & (trials["neurons"] != best), 0.0, trials["test_mase"]))
    pq.write_table(pa.Table.from_pandas(skewed, preserve_index=False), copied / "trials.parquet")
    assert skewed.groupby("neurons")["test_mase"].mean().idxmin() != best  # what choosing on every origin would pick
    assert forecast_main(["--name", copied.name, "--storage", str(copied.parent), "--choice", "best"]) == 0
    assert (pd.read_csv(copied / "forecast_repeats.csv")["neurons"] == best).all()
    assert "on the first 4 origins (the last 1 held out)" in capsys.readouterr().out


def test_forecasting_before_the_sweep_ran_is_refused(tmp_path, capsys):
    (tmp_path / "never.yaml").write_text("name: never\nstudies: {neurons: {epochs: [3], batch_size: [4], neurons: [1, 2]}}\n")
    assert forecast_main(["--config", str(tmp_path / "never.yaml"), "--storage", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: '{tmp_path / 'never'}' holds no sweep (config.yaml is missing); check --name and --storage"
    )


def test_forecast_uses_the_sweeps_saved_config_and_refuses_a_differing_one(backtest, capsys):
    """Without --config the saved config.yaml prepares the data; a config given that resolves differently is an error
    naming the keys, not a silently different model."""
    results, _ = backtest
    config = results.parent / "smoke.yaml"  # the smoke run's config as a user would write it: conf/backtest.yaml, smoke mode
    config.write_text((results / "config.yaml").read_text())
    assert forecast_main(["--config", str(config), "--storage", str(results.parent), "--choice", "best"]) == 0
    with_config = pd.read_csv(results / "forecast.csv")
    assert forecast_main(["--name", results.name, "--storage", str(results.parent), "--choice", "best"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(results / "forecast.csv"), with_config)  # the same forecast to the last digit
    capsys.readouterr()
    assert forecast_main(["--config", str(config), "data.difference_lag=2", "--storage", str(results.parent)]) == 2
    error = capsys.readouterr().err
    assert "the config given differs from the one the sweep in" in error and "`data.difference_lag` (1 -> 2)" in error


def test_a_baseline_that_won_forecasts_with_method(backtest, capsys):
    results, _ = backtest
    assert forecast_main(["--name", results.name, "--storage", str(results.parent), "--method", "ets"]) == 0
    written = pd.read_csv(results / "forecast.csv", parse_dates=["ds"])
    assert written[["unique_id", "ds"]].values.tolist() == [["nile", pd.Timestamp("1971-01-01")]]
    assert written["model"].str.startswith("ETS(A").all() and np.isfinite(written["ets"]).all()
    assert "forecast for 1971: " in capsys.readouterr().out
    assert forecast_main(["--name", results.name, "--storage", str(results.parent), "--method", "seasonal_naive"]) == 2
    assert "`--method` ('seasonal_naive') is not a baseline the sweep scored; its baselines: naive, ets, arima" in capsys.readouterr().err
