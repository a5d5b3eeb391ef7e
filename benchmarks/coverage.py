"""Do the intervals hold? Coverage on simulated catalogues whose truth is known: conformal on absolute errors, conformal
on scaled errors, and each baseline's own model interval.

    python benchmarks/coverage.py            # ~13 min on 2 cores (the ARIMA fits); SERIES=40 for less sampling noise

Each catalogue is `SERIES` monthly series of 168 months from one process; every baseline forecasts 6 steps from every
cutoff of 4 origins of 24 months (the sweep's backtest, `trainables.baseline_forecast`), and so does an LSTM (`LSTM`: a
direct 6-step head, window normalisation, trained on each series alone, the median of `LSTM_REPEATS` repeats: what the
sweep's intervals are built around). The sweep's own `conformal_intervals` calibrates 80% and 95% intervals on them
twice: on absolute errors (the rule before #37) and on errors in units of each cutoff's scale (`error_scales`, the rule
now); `model_intervals` gives each baseline's own Gaussian interval (`evaluation.intervals: [conformal, model]`).
Printed per catalogue, method and level, for each rule: coverage with its 95% binomial (Wilson) interval, the worst
step's and the worst origin's distance from nominal, the mean half-width, and MSIS at 95% (scaled by the origin's
seasonal naive in-sample error, as the sweep scores it).

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

from sweep.results.intervals import MODEL_SUFFIX, conformal_intervals, hi, lo, model_intervals
from trainables import TrialRequest, backtest_origins, baseline_forecast, error_scales, run_trial, seasonal_naive_scale

LENGTH, TEST_SIZE, ORIGINS, HORIZON, SEASON, LEVELS = 168, 24, 4, 6, 12, [80.0, 95.0]
METHODS = ["naive", "seasonal_naive", "ets", "arima"]
SERIES = int(os.environ.get("SERIES", 20))
LSTM = {"epochs": 300, "batch_size": 4, "neurons": 3, "strategy": "direct", "normalise": "window"}
LSTM_REPEATS = 10


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
    """forecasts.parquet's rows of every baseline and the LSTM's repeats on every series."""
    windows = []
    for name, series in catalogue.items():
        for origin in backtest_origins(LENGTH, TEST_SIZE, ORIGINS, TEST_SIZE):
            for method in METHODS:
                forecast = baseline_forecast(method, series, origin, SEASON, HORIZON)
                windows.append((name, method, pd.NA, origin.index, origin.test_start, forecast.forecasts, forecast.deviations))
    request = TrialRequest(LSTM, tuple(range(LSTM_REPEATS)), 0, "compiled", TEST_SIZE, 1, 0, origins=ORIGINS, origin_step=TEST_SIZE,
                           season=SEASON, series=tuple(catalogue), horizon=HORIZON)  # fmt: skip
    for row in run_trial(request, catalogue).repeats:
        windows.append((row.series, "lstm", row.repeat, row.origin, row.test_start, row.forecasts, [np.nan] * len(row.forecasts)))
    rows = []
    for name, method, repeat, origin, test_start, forecasts, deviations in windows:
        forecasts, deviations = (np.array(values).reshape(TEST_SIZE, HORIZON) for values in (forecasts, deviations))
        for cutoff in range(TEST_SIZE):
            for h in range(1, min(HORIZON, TEST_SIZE - cutoff) + 1):
                index = test_start + cutoff + h - 1
                rows.append({"unique_id": name, "study": None, "baseline": method, "repeat": repeat, "origin": origin,
                             "cutoff_index": index - h, "h": h, "index": index, "cutoff": index - h, "ds": index,
                             "y": catalogue[name][index], "forecast": forecasts[cutoff, h - 1],
                             "sd": deviations[cutoff, h - 1]})  # fmt: skip
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


RULES = ("absolute", "scaled", "model")


def main() -> None:
    processes = ["constant-scale", "proportional", "seasonal AR", "random walk + drift", "level shift"]
    print(f"{SERIES} series per catalogue, {LENGTH} months, {ORIGINS} origins of {TEST_SIZE}, {HORIZON} steps; "
          f"LSTM {LSTM}, median of {LSTM_REPEATS} repeats")  # fmt: skip
    header = " | ".join(f"{rule}: coverage (95% CI) | worst step / origin | half-width | MSIS" for rule in RULES)
    print(f"| catalogue | method | level | {header} |")
    print("|---|---|---|" + "---|" * 4 * len(RULES))
    for number, process in enumerate(processes):
        rng = np.random.default_rng(number)
        catalogue = {f"{process} {index}": simulate(process, rng) for index in range(SERIES)}
        started = time.perf_counter()
        forecasts = backtest(catalogue)
        scales = {name: error_scales(values, SEASON) for name, values in catalogue.items()}
        modelled = model_intervals(forecasts, LEVELS)
        modelled["method"] = modelled["method"].str.removesuffix(MODEL_SUFFIX)  # a row per method, its rules side by side
        intervals = {"absolute": conformal_intervals(forecasts, [], LEVELS), "scaled": conformal_intervals(forecasts, [], LEVELS, scales),
                     "model": modelled}  # fmt: skip
        table = {rule: scores(frame, catalogue).set_index(["method", "level"]) for rule, frame in intervals.items()}
        for method, level in table["scaled"].index:
            cells = [_cells(table[rule], method, level) for rule in RULES]
            print(f"| {process} | {method} | {level:g} | {' | '.join(cells)} |", flush=True)
        print(f"<!-- {process}: {len(forecasts)} forecasts, {time.perf_counter() - started:.0f} s -->", flush=True)


def _cells(table: pd.DataFrame, method: str, level: float) -> str:
    if (method, level) not in table.index:
        return " | | | "
    row = table.loc[(method, level)]
    msis = f"{row['msis']:.2f}" if level == 95 else ""
    return f"{row['coverage']:.1f} ({row['ci']}) | {row['worst step']:.1f} / {row['worst origin']:.1f} | {row['half-width']:.2f} | {msis}"


if __name__ == "__main__":
    main()
