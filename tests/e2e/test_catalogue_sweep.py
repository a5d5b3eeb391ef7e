"""A sweep across several series end to end through a real local Ray: series as a dimension of every
result, the per-series and across-series tables, a short series skipped, local and global training side
by side, and the winner forecast per series."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.cli.forecast import main as forecast_main

CATALOGUE = """\
name: catalogue
repeats: 2
seed: 3
data: {{source: {source}, series_column: store, date_column: day, value_column: sales, test_size: 4, short_series: skip}}
evaluation: {{origins: 2, metric: mase, baselines: [naive]}}
studies:
  neurons: {{epochs: [2], batch_size: [2], neurons: [1, 2], training: [local, global]}}
"""


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, sweeps):
    folder = tmp_path_factory.mktemp("catalogue")
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"store": store, "day": pd.date_range("2024-01-01", periods=length, freq="D").astype(str),
                      "sales": 50 + np.cumsum(rng.normal(0, 3, length))})
        for store, length in (("north", 24), ("south", 24), ("east", 24), ("pop-up", 8))
    ]  # fmt: skip
    pd.concat(frames).to_csv(folder / "stores.csv", index=False)
    results, printed = sweeps.run(CATALOGUE.format(source=folder / "stores.csv"))
    return folder, results, printed


def test_every_result_has_a_row_per_series(catalogue):
    _, results, printed = catalogue
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert trials["series"].unique().tolist() == ["north", "south", "east"]  # the pop-up store is too short: skipped
    assert len(trials) == 3 * 4 * 2 * 2 and (trials["status"] == "completed").all()  # series x points x repeats x origins
    assert trials.groupby(["series", "neurons", "training", "repeat"])["origin"].nunique().eq(2).all()
    assert trials.groupby(["neurons", "training", "repeat"])["seed"].nunique().eq(1).all()  # a repeat's seed: the same on every series
    global_fits = trials[trials["training"] == "global"]
    assert global_fits.groupby(["neurons", "repeat"])["trial_id"].nunique().eq(1).all()  # one trial fits every series together
    forecasts = pq.read_table(results / "forecasts.parquet").to_pandas()
    assert forecasts.groupby("unique_id").size().to_dict() == {"east": 72, "north": 72, "south": 72}  # (4 x 2 x 2 + 2 naive) x 4 steps
    baselines = pq.read_table(results / "baselines.parquet").to_pandas()
    assert len(baselines) == 3 * 2 and set(baselines["series"]) == {"north", "south", "east"}
    assert "note: series 'pop-up' skipped: " in printed


def test_per_series_tables_and_the_verdict_across_series(catalogue):
    _, results, printed = catalogue
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    summary = pd.read_csv(results / "summary.csv")
    configurations = summary[summary["baseline"].isna()]
    assert len(configurations) == 3 * 4 and configurations.groupby("series").size().eq(4).all()
    expected = trials.groupby(["series", "neurons", "training"])["test_mase"].mean()
    for row in configurations.itertuples():
        assert row.mean == pytest.approx(expected[(row.series, row.neurons, row.training)])
    across = pd.read_csv(results / "across_series.csv")
    assert across["method"].tolist() == ["1/local", "1/global", "2/local", "2/global", "naive (baseline)"]
    assert across["verdict"].eq("best").sum() == 1
    expected = expected.unstack(["neurons", "training"])
    expected.columns = [f"{neurons}/{training}" for neurons, training in expected.columns]
    baseline_means = pd.read_parquet(results / "baselines.parquet").groupby("series")["test_mase"].mean()
    per_series = pd.concat([expected[across["method"][:4]], baseline_means], axis=1)
    ranks = per_series.rank(axis=1).mean()
    np.testing.assert_allclose(across["mean_rank"], ranks.to_numpy())
    assert across["series_won"].sum() >= 3  # every series has a winner (ties count for each)
    assert "mean test MASE (scale-free) per series" in printed and "across 3 series; Friedman's test: p = " in printed
    assert (results / "neurons_ranks.png").stat().st_size > 5000 and (results / "neurons_series_boxplot.png").is_file()
    assert "Across series" in (results / "report.html").read_text()


def test_the_winner_across_series_forecasts_each_series(catalogue, capsys):
    folder, results, _ = catalogue
    assert forecast_main(["--config", str(results.parent.parent / "catalogue.yaml"), "--storage", str(results.parent)]) == 0
    printed = capsys.readouterr().out
    written = pd.read_csv(results / "forecast.csv", parse_dates=["ds"])
    assert written["unique_id"].tolist() == ["north", "south", "east"]  # a row per series and step, the repeats' median
    repeats = pd.read_csv(results / "forecast_repeats.csv")
    assert len(repeats) == 3 * 2 and np.allclose(repeats.groupby("unique_id", sort=False)["forecast"].median(), written["lstm"])
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    means = trials.groupby(["series", "neurons", "training"])["test_mase"].mean().unstack(["neurons", "training"])
    ranking = pd.DataFrame({"rank": means.rank(axis=1).mean(), "mean": means.mean()}).sort_values(["rank", "mean"])
    assert (repeats[["neurons", "training"]].apply(tuple, axis=1) == ranking.index[0]).all()  # the lowest mean rank
    assert ranking.index[0][1] == "global" and "one model per repeat trained across all 3 series" in printed
    assert (written["ds"] == pd.Timestamp("2024-01-25")).all() and "lowest mean rank of test mase across series" in printed
