"""Do the conformal intervals hold? Coverage on simulated catalogues whose truth is known, absolute against scaled errors.

    python benchmarks/coverage.py            # ~12 min on 2 cores (the ARIMA fits); SERIES=40 for less sampling noise

Each catalogue is `SERIES` monthly series of 168 months from one process; every baseline forecasts 6 steps from every
cutoff of 4 origins of 24 months (the sweep's backtest, `trainables.baseline_forecast`), and the sweep's own
`conformal_intervals` calibrates 80% and 95% intervals on them twice: on absolute errors (the rule before #37) and on
errors in units of each cutoff's scale (`error_scales`, the rule now). Printed per catalogue, rule, method and level:
coverage with its 95% binomial (Wilson) interval, the worst step's and the worst origin's distance from nominal, the mean
half-width, and MSIS at 95% (scaled by the origin's seasonal naive in-sample error, as the sweep scores it).

The processes: constant-scale noise (trend + season + AR(1)), noise proportional to the level (the same in logs,
exponentiated: most sales and economic series), a seasonal AR(1) with no trend, a random walk with drift, and a level
shift (the constant-scale process stepping up by 30 halfway).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import scoringrules
from statsmodels.stats.proportion import proportion_confint

from sweep.results.intervals import conformal_intervals, hi, lo
from trainables import backtest_origins, baseline_forecast, error_scales, seasonal_naive_scale

LENGTH, TEST_SIZE, ORIGINS, HORIZON, SEASON, LEVELS = 168, 24, 4, 6, 12, [80.0, 95.0]
METHODS = ["naive", "seasonal_naive", "ets", "arima"]
SERIES = int(os.environ.get("SERIES", 20))


def _ar(rng: np.random.Generator, sd: float, phi: float = 0.6) -> np.ndarray:
    noise, shocks = np.zeros(LENGTH), rng.normal(0, sd, LENGTH)
    for t in range(1, LENGTH):
        noise[t] = phi * noise[t - 1] + shocks[t]
    return noise


def simulate(process: str, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(LENGTH)
    season = np.sin(2 * np.pi * t / SEASON)
    if process == "constant-scale":
        return 100 + 0.5 * t + 10 * season + _ar(rng, 3.0)
    if process == "proportional":
        return np.exp(np.log(100) + 0.01 * t + 0.1 * season + _ar(rng, 0.03))
    if process == "seasonal AR":
        return 100 + 10 * season + _ar(rng, 3.0, 0.8)
    if process == "random walk + drift":
        return 100 + np.cumsum(rng.normal(0.5, 3.0, LENGTH))
    return 100 + 0.5 * t + 10 * season + _ar(rng, 3.0) + 30 * (t >= LENGTH // 2)  # level shift


def backtest(catalogue: dict[str, np.ndarray]) -> pd.DataFrame:
    """forecasts.parquet's rows of every baseline on every series."""
    rows = []
    for name, series in catalogue.items():
        for origin in backtest_origins(LENGTH, TEST_SIZE, ORIGINS, TEST_SIZE):
            for method in METHODS:
                forecasts = np.array(baseline_forecast(method, series, origin, SEASON, HORIZON).forecasts).reshape(TEST_SIZE, HORIZON)
                for cutoff in range(TEST_SIZE):
                    for h in range(1, min(HORIZON, TEST_SIZE - cutoff) + 1):
                        index = origin.test_start + cutoff + h - 1
                        rows.append({"unique_id": name, "study": None, "baseline": method, "repeat": pd.NA, "origin": origin.index,
                                     "cutoff_index": index - h, "h": h, "index": index, "cutoff": index - h, "ds": index,
                                     "y": series[index], "forecast": forecasts[cutoff, h - 1]})  # fmt: skip
    return pd.DataFrame(rows)


def scores(intervals: pd.DataFrame, catalogue: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per method and level: coverage and its Wilson interval, the worst step and origin, half-width, MSIS."""
    origins = backtest_origins(LENGTH, TEST_SIZE, ORIGINS, TEST_SIZE)
    scale = np.array([seasonal_naive_scale(catalogue[name][: origins[origin].test_start], SEASON)
                      for name, origin in zip(intervals["unique_id"], intervals["origin"])])  # fmt: skip
    rows = []
    for level in LEVELS:
        held = intervals[lo(level)].notna()
        frame = intervals[held].assign(inside=(intervals[lo(level)] <= intervals["y"]) & (intervals["y"] <= intervals[hi(level)]))
        frame["width"] = (frame[hi(level)] - frame[lo(level)]) / 2
        if level == 95:
            msis = scoringrules.interval_score(frame["y"].to_numpy(), frame[lo(level)].to_numpy(), frame[hi(level)].to_numpy(), 0.05)
            frame["msis"] = msis / scale[held.to_numpy()]
        for method, group in frame.groupby("method"):
            low, high = proportion_confint(group["inside"].sum(), len(group), method="wilson")
            rows.append({
                "method": method, "level": level, "coverage": 100 * group["inside"].mean(), "ci": f"{100 * low:.1f}-{100 * high:.1f}",
                "worst step": (100 * group.groupby("h")["inside"].mean() - level).abs().max(),
                "worst origin": (100 * group.groupby("origin")["inside"].mean() - level).abs().max(),
                "half-width": group["width"].mean(), "msis": group["msis"].mean() if level == 95 else np.nan, "forecasts": len(group),
            })  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    processes = ["constant-scale", "proportional", "seasonal AR", "random walk + drift", "level shift"]
    print(f"{SERIES} series per catalogue, {LENGTH} months, {ORIGINS} origins of {TEST_SIZE}, {HORIZON} steps")
    print("| catalogue | method | level | absolute: coverage (95% CI) | worst step / origin | half-width | scaled: coverage (95% CI) | "
          "worst step / origin | half-width (x absolute) | MSIS absolute / scaled |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for number, process in enumerate(processes):
        rng = np.random.default_rng(number)
        catalogue = {f"{process} {index}": simulate(process, rng) for index in range(SERIES)}
        started = time.perf_counter()
        forecasts = backtest(catalogue)
        absolute = scores(conformal_intervals(forecasts, [], LEVELS), catalogue).set_index(["method", "level"])
        scales = {name: error_scales(values, SEASON) for name, values in catalogue.items()}
        scaled = scores(conformal_intervals(forecasts, [], LEVELS, scales), catalogue).set_index(["method", "level"])
        for (method, level), before in absolute.iterrows():
            after = scaled.loc[(method, level)]
            msis = f"{before['msis']:.2f} / {after['msis']:.2f}" if level == 95 else ""
            print(f"| {process} | {method} | {level:g} | {before['coverage']:.1f} ({before['ci']}) | {before['worst step']:.1f} / "
                  f"{before['worst origin']:.1f} | {before['half-width']:.2f} | {after['coverage']:.1f} ({after['ci']}) | "
                  f"{after['worst step']:.1f} / {after['worst origin']:.1f} | {after['half-width']:.2f} "
                  f"({after['half-width'] / before['half-width']:.3f}) | {msis} |", flush=True)  # fmt: skip
        print(f"<!-- {process}: {len(forecasts)} forecasts, {time.perf_counter() - started:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
