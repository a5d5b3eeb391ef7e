"""Conformal intervals from the backtest's errors: calibrated on what each cutoff knew, and covering as they claim."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scoringrules

from sweep.results.intervals import conformal_intervals, hi, interval_table, lo
from trainables import ForecastWindow, backtest_origins, baseline_forecast, interval_scores, minimum_calibration, seasonal_naive_scale

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
                    rows.append({"unique_id": "ar", "study": None, "baseline": name, "repeat": pd.NA, "origin": origin.index,
                                 "cutoff_index": index - h, "h": h, "index": index, "cutoff": index - h, "ds": index, "y": series[index],
                                 "forecast": forecasts[cutoff, h - 1]})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1])
def test_intervals_cover_within_five_points_of_their_level_on_a_seasonal_ar_process(seed):
    forecasts = baseline_rows(seasonal_ar(12 * 64, seed), "seasonal_naive", origins=60)
    intervals = conformal_intervals(forecasts, [], [80.0, 95.0])
    for level in (80.0, 95.0):
        calibrated = intervals[intervals[lo(level)].notna()]
        inside = (calibrated[lo(level)] <= calibrated["y"]) & (calibrated["y"] <= calibrated[hi(level)])
        assert len(calibrated) > 1500
        assert abs(100 * inside.mean() - level) <= 5, (level, inside.mean())


def test_an_interval_knows_only_the_errors_observed_by_its_cutoff():
    series = seasonal_ar(12 * 8, 2)
    forecasts = baseline_rows(series, "naive", origins=4)
    intervals = conformal_intervals(forecasts, [], [80.0])
    for _, group in intervals.groupby("h"):
        for row in group.itertuples():
            assert row.calibration == (group["index"] <= row.cutoff_index).sum()
        first = group.sort_values("cutoff_index").iloc[: minimum_calibration(80.0)]
        assert first[lo(80.0)].isna().sum() >= 1  # the earliest cutoffs know too few errors: no interval
    # changing an actual after every cutoff of the first origin moves no interval of that origin
    late = forecasts["index"] > forecasts.loc[forecasts["origin"] == 0, "cutoff_index"].max()
    changed = forecasts.assign(y=np.where(late, forecasts["y"] + 1000, forecasts["y"]))
    again = conformal_intervals(changed, [], [80.0])
    first_origin = intervals["origin"] == 0
    pd.testing.assert_series_equal(again.loc[first_origin, lo(80.0)], intervals.loc[first_origin, lo(80.0)])


def test_one_forecasters_msis_and_crps_score_the_intervals_its_own_errors_give():
    """The per-repeat (or per-baseline) scores `evaluation.metric: msis | crps` compares: MSIS pooled over the origins is
    the intervals table's, and CRPS is scoringrules' of the forecast plus each error known at its cutoff."""
    series, levels = seasonal_ar(12 * 10, 3), [80.0, 95.0]
    origins = backtest_origins(len(series), 12, 6, 12)
    rows = baseline_rows(series, "naive", origins=6)
    windows = [
        ForecastWindow(origin.test_start, series[origin.test_start : origin.end],
                       np.array(baseline_forecast("naive", series, origin, SEASON, HORIZON).forecasts),
                       seasonal_naive_scale(series[: origin.test_start], SEASON))
        for origin in origins
    ]  # fmt: skip
    scores = interval_scores(windows, HORIZON, levels)
    intervals = conformal_intervals(rows, [], levels)
    calibrated = intervals[intervals[lo(95.0)].notna()]
    per_origin = calibrated.groupby("origin").size().reindex(range(6), fill_value=0)
    assert per_origin.iloc[0] == 0 and np.isnan(scores[0]["msis"]) and per_origin.iloc[-1] > 20  # the first origin knows too few
    pooled = np.nansum([score["msis"] * count for score, count in zip(scores, per_origin)]) / per_origin.sum()
    table = interval_table(intervals, SimpleNamespace(origins={"ar": origins}), {"ar": series}, SEASON, levels)
    assert pooled == pytest.approx(table.loc["naive", "msis"], rel=1e-9)
    last = calibrated[calibrated["origin"] == 5]
    by_hand = []
    for row in last.itertuples():
        known = rows[(rows["h"] == row.h) & (rows["index"] <= row.cutoff_index)]
        by_hand.append(scoringrules.crps_ensemble(row.y, row.forecast + (known["y"] - known["forecast"]).to_numpy()))
    assert scores[-1]["crps"] == pytest.approx(np.mean(by_hand) / windows[-1].scale, rel=1e-9)
    without_95 = interval_scores(windows, HORIZON, [80.0])  # no MSIS without its 95% level; CRPS all the same
    assert all(np.isnan(score["msis"]) for score in without_95) and np.isfinite(without_95[-1]["crps"])
