"""The Python API: `run_sweep` on an in-memory series (its docstring example runs here), and bad series refused."""

import doctest

import numpy as np
import pandas as pd
import pytest

import sweep.api
from sweep.api import run_sweep
from sweep.config.validation import ConfigError
from sweep.data.in_memory import in_memory


def test_the_docstring_example_runs(tmp_path, local_ray):
    outcome = doctest.testmod(sweep.api, extraglobs={"STORAGE": str(tmp_path)}, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted >= 4 and outcome.failed == 0
    assert (tmp_path / "doc" / "trials.parquet").is_file() and (tmp_path / "doc" / "summary.csv").is_file()


def test_a_dated_series_is_put_in_date_order_and_keeps_its_dates():
    shuffled = pd.Series([3.0, 1.0, 2.0], index=pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"]), name="x")
    loaded = in_memory(shuffled).series["x"]
    assert loaded.values.tolist() == [1.0, 2.0, 3.0] and loaded.dates == ["2024-01-01", "2024-02-01", "2024-03-01"]
    plain = in_memory(pd.Series([3.0, 1.0, 2.0])).series["series"]
    assert plain.values.tolist() == [3.0, 1.0, 2.0] and plain.dates is None  # no dates: the order given


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (pd.Series([1.0, np.nan, 3.0], name="s"), r"series 's' must hold finite numbers; at 1 it holds nan"),
        (pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2024-01", "2024-01"], freq="M"), name="s"), r"has the date 2024-01 twice"),
        (pd.Series([], dtype=float, name="s"), r"series 's' is empty"),
    ],
)
def test_a_bad_series_is_refused_by_name(series, message):
    with pytest.raises(ConfigError, match=message):
        in_memory(series)


def test_run_sweep_validates_its_config_like_the_cli(tmp_path):
    with pytest.raises(ConfigError, match=r"`repeats` must be > 0; received 0"):
        run_sweep({"name": "x", "repeats": 0, "studies": {"s": {"epochs": [1], "batch_size": [1], "neurons": [1]}}}, storage=str(tmp_path))


def test_a_long_dataframe_of_several_series_gives_the_verdict_across_them_and_the_winners_forecast(tmp_path, local_ray):
    """neuralforecast's long frame (unique_id, ds, y) straight into run_sweep, then result.forecast() as the CLI's."""
    rng = np.random.default_rng(1)
    months = pd.date_range("2021-01-01", periods=30, freq="MS")
    frame = pd.concat(
        [pd.DataFrame({"unique_id": f"product{number}", "ds": months, "y": 100 + np.cumsum(rng.normal(1, 4, 30))}) for number in range(4)]
    )
    config = {"name": "products", "repeats": 2, "data": {"test_size": 4}, "evaluation": {"metric": "mase", "baselines": ["naive"]},
              "studies": {"units": {"epochs": [2], "batch_size": [2], "neurons": [1, 2]}}}  # fmt: skip
    result = run_sweep(config, data=frame, storage=str(tmp_path))
    assert result.trials["series"].unique().tolist() == [f"product{number}" for number in range(4)]
    assert result.config.evaluation.season == 12  # inferred from the monthly dates
    across = result.across["units"]
    assert set(across.index) == {"1", "2", "naive (baseline)"} and (across["verdict"] == "best").sum() == 1
    forecast = result.forecast()  # the default choice: across series, the lowest mean rank
    assert forecast["unique_id"].tolist() == [f"product{number}" for number in range(4)]
    assert (forecast["ds"] == pd.Timestamp("2023-07-01")).all()  # the month after the data, as NeuralForecast.predict dates it
    means = result.trials.groupby(["series", "neurons"])["test_mase"].mean().unstack("neurons")  # ranked by hand, not by the product
    ranking = pd.DataFrame({"rank": means.rank(axis=1).mean(), "mean": means.mean()}).sort_values(["rank", "mean"])
    repeats = pd.read_csv(tmp_path / "products" / "forecast_repeats.csv")
    assert len(repeats) == 4 * 2 and (repeats["neurons"] == ranking.index[0]).all()
    written = pd.read_csv(tmp_path / "products" / "forecast.csv", parse_dates=["ds"])
    pd.testing.assert_frame_equal(written, forecast, check_dtype=False)
