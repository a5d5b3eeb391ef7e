"""Conformal intervals from the backtest's errors: calibrated on what each cutoff knew, and covering as they claim."""

import numpy as np
import pandas as pd
import pytest

from sweep.results.intervals import conformal_intervals, lo, minimum_calibration
from trainables import backtest_origins, baseline_forecast

HORIZON, SEASON = 3, 12


def seasonal_ar(length: int, seed: int) -> np.ndarray:
    """y[t] = 0.6 y[t - 12] + e[t], e ~ N(0, 1), around a level of 100: a seasonal process of known noise."""
    rng = np.random.default_rng(seed)
    values = np.zeros(length + 120)
    for t in range(SEASON, len(values)):
        values[t] = 0.6 * values[t - SEASON] + rng.normal()
    return 100 + values[120:]


def baseline_rows(series: np.ndarray, name: str, origins: int) -> pd.DataFrame:
    """forecasts.parquet's rows of one baseline: every (origin, cutoff, step) forecast inside its test window."""
    rows = []
    for origin in backtest_origins(len(series), 12, origins, 12):
        forecasts = np.array(baseline_forecast(name, series, origin, SEASON, HORIZON).forecasts).reshape(12, HORIZON)
        for cutoff in range(12):
            for h in range(1, HORIZON + 1):
                if cutoff + h <= 12:
                    index = origin.test_start + cutoff + h - 1
                    rows.append({"series": "ar", "study": None, "baseline": name, "repeat": pd.NA, "origin": origin.index,
                                 "cutoff": index - h, "h": h, "index": index, "actual": series[index],
                                 "forecast": forecasts[cutoff, h - 1]})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_intervals_cover_within_five_points_of_their_level_on_a_seasonal_ar_process(seed):
    forecasts = baseline_rows(seasonal_ar(12 * 64, seed), "seasonal_naive", origins=60)
    intervals = conformal_intervals(forecasts, [], [80.0, 95.0])
    for level in (80.0, 95.0):
        calibrated = intervals[intervals[lo(level)].notna()]
        inside = (calibrated[lo(level)] <= calibrated["actual"]) & (calibrated["actual"] <= calibrated[f"hi-{level:g}"])
        assert len(calibrated) > 1500
        assert abs(100 * inside.mean() - level) <= 5, (level, inside.mean())


def test_an_interval_knows_only_the_errors_observed_by_its_cutoff():
    series = seasonal_ar(12 * 8, 2)
    forecasts = baseline_rows(series, "naive", origins=4)
    intervals = conformal_intervals(forecasts, [], [80.0])
    for _, group in intervals.groupby("h"):
        for row in group.itertuples():
            assert row.calibration == (group["index"] <= row.cutoff).sum()
        first = group.sort_values("cutoff").iloc[: minimum_calibration(80.0)]
        assert first[lo(80.0)].isna().sum() >= 1  # the earliest cutoffs know too few errors: no interval
    # changing an actual after every cutoff of the first origin moves no interval of that origin
    late = forecasts["index"] > forecasts.loc[forecasts["origin"] == 0, "cutoff"].max()
    changed = forecasts.assign(actual=np.where(late, forecasts["actual"] + 1000, forecasts["actual"]))
    again = conformal_intervals(changed, [], [80.0])
    first_origin = intervals["origin"] == 0
    pd.testing.assert_series_equal(again.loc[first_origin, lo(80.0)], intervals.loc[first_origin, lo(80.0)])
