"""Rolling-origin evaluation: where each forecast origin's windows lie, and the scores of its forecasts.

An origin sees only the observations up to the end of its own test window: its training window
(from the series' start, or a fixed length that slides) and then `test_size` observations forecast
one step at a time. With one origin this is the protocol's split: train on all but the last
`test_size` observations, forecast those.

With a horizon H > 1, every observation before a test observation is a cutoff: cutoff k (0 ..
test_size-1) is the last observation before the test window's k-th, and it forecasts H steps
without any observation after it. Step h of cutoff k targets test observation k + h - 1; steps past
the window's end are not scored, so step h is scored at test_size - h + 1 cutoffs. A cutoff's
forecasts are kept cutoff-major (k * H + h - 1); with H = 1 they are the protocol's one-step
forecasts, in its order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

WindowKind = Literal["expanding", "sliding"]
METRICS = ("rmse", "mae", "smape", "mase")  # each forecast scored against its actual alone
INTERVAL_METRICS = ("msis", "crps")  # each forecast scored with the spread its forecaster's earlier errors give (`interval_scores`)
MSIS_LEVEL = 95.0  # M4's MSIS scores the 95% interval (alpha 0.05)
SEASONALLY_SCALED = ("mase", "msis", "crps")  # divided by the seasonal naive's in-sample MAE of the origin's training window


@dataclass(frozen=True)
class Origin:
    """One forecast origin: observations `start .. end-1` of the series, the last `test_size` forecast."""

    index: int  # 0 is the earliest origin; the last one forecasts the end of the series
    start: int  # first observation of its training window
    test_start: int  # first observation it forecasts (its origin, in forecasting terms)
    end: int  # one past its last forecast observation


def backtest_origins(
    length: int, test_size: int, origins: int = 1, step: int | None = None, window: WindowKind = "expanding"
) -> list[Origin]:
    """Origins `step` observations apart, the last forecasting the series' last `test_size` observations.

    A sliding window keeps every origin's training window as long as the earliest origin's, so all
    origins share one shape; an expanding one trains each origin on everything before it.
    """
    step = test_size if step is None else step
    ends = [length - (origins - 1 - index) * step for index in range(origins)]
    earliest_length = ends[0]
    return [Origin(index, 0 if window == "expanding" else end - earliest_length, end - test_size, end) for index, end in enumerate(ends)]


def seasonal_naive_scale(history: np.ndarray, season: int) -> float:
    """MASE's denominator: the in-sample mean absolute error of the seasonal naive forecast on `history`."""
    history = np.asarray(history, dtype=np.float64)
    if len(history) <= season:
        return float("nan")
    return float(np.mean(np.abs(history[season:] - history[:-season])))


def scored_steps(test_size: int, horizon: int) -> np.ndarray:
    """(test_size * horizon,) booleans, cutoff-major: which (cutoff, step) forecasts target an observation of the window."""
    cutoffs, steps = np.divmod(np.arange(test_size * horizon), horizon)
    return cutoffs + steps < test_size


def step_targets(actual: np.ndarray, horizon: int) -> np.ndarray:
    """(test_size * horizon,) the observation each (cutoff, step) forecast targets, cutoff-major; NaN past the window."""
    actual = np.asarray(actual, dtype=np.float64)
    cutoffs, steps = np.divmod(np.arange(len(actual) * horizon), horizon)
    positions = cutoffs + steps
    return np.where(positions < len(actual), actual[np.minimum(positions, len(actual) - 1)], np.nan)


def horizon_scores(actual: np.ndarray, forecasts: np.ndarray, scale: float, horizon: int = 1) -> dict[str, np.ndarray]:
    """`forecast_scores` over every scored (cutoff, step) forecast of `forecasts` (..., test_size * horizon), cutoff-major.

    With horizon 1 these are the one-step forecasts themselves, scored exactly as before horizons existed.
    """
    if horizon == 1:
        return forecast_scores(actual, forecasts, scale)
    scored = scored_steps(len(actual), horizon)
    return forecast_scores(step_targets(actual, horizon)[scored], np.asarray(forecasts)[..., scored], scale)


def forecast_scores(actual: np.ndarray, forecasts: np.ndarray, scale: float) -> dict[str, np.ndarray]:
    """Each metric of `forecasts` (..., k) against `actual` (k,), over the last axis.

    sMAPE is the M4 competition's (0-200, in percent; a step where both are 0 scores 0). MASE divides
    the MAE by `scale`, the seasonal naive in-sample MAE of the training window (`seasonal_naive_scale`).
    """
    actual, forecasts = np.asarray(actual, dtype=np.float64), np.asarray(forecasts, dtype=np.float64)
    errors = forecasts - actual
    magnitude = np.abs(actual) + np.abs(forecasts)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(magnitude == 0, 0.0, 2 * np.abs(errors) / magnitude)
        mae = np.mean(np.abs(errors), axis=-1)
        return {
            "rmse": np.sqrt(np.mean(errors**2, axis=-1)),
            "mae": mae,
            "smape": 100 * np.mean(ratios, axis=-1),
            "mase": mae / scale if scale > 0 else np.full_like(mae, np.nan),
        }


def minimum_calibration(level: float) -> int:
    """The fewest known errors that give a finite conformal interval at `level` percent."""
    return math.ceil(level / (100 - level))


# An error scale averages the recent changes of this many seasons (at least this many observations): six years of months.
# benchmarks/coverage.py chose it: on proportional noise 24 to 72 months hold coverage alike, and on constant-scale noise
# a shorter window's noisier scale widens the intervals (24 months of seasonal differences: 5-18% wider than absolute
# errors; 72 months of changes: within 1%). Changes from one observation to the next, not seasonal differences: a random
# walk's seasonal difference sums a season of shocks (13-15% wider), and a level shift enters a season of them.
SCALE_SEASONS, SCALE_OBSERVATIONS = 6, 24


def error_scales(series: np.ndarray, season: int) -> np.ndarray:
    """Per position t, what a forecast from cutoff t measures its error against: the mean absolute change from one
    observation to the next over the last `SCALE_SEASONS` seasons up to t. Where a series' noise grows with its level,
    so do its changes: errors divided by this scale are alike early and late, and an interval calibrated on them, times
    the scale at its own cutoff, follows the level. Only observations up to t enter (at t = 0, the first change); a
    flat stretch (scale 0) takes the smallest positive scale."""
    values = np.asarray(series, dtype=np.float64)
    changes = np.abs(np.diff(values)) if len(values) > 1 else np.zeros(1)
    total = np.concatenate([[0.0], np.cumsum(changes)])
    ends = np.clip(np.arange(len(values)), 1, len(changes))  # changes known at t: those of targets 1 .. t
    starts = np.maximum(ends - max(SCALE_SEASONS * season, SCALE_OBSERVATIONS), 0)
    scales = (total[ends] - total[starts]) / (ends - starts)
    positive = scales[scales > 0]
    return np.where(scales > 0, scales, positive.min() if len(positive) else 1.0)


def conformal_width(sorted_errors: np.ndarray, level: float) -> float:
    """The ceil((n + 1) L / 100)-th smallest of n absolute errors: the half-width at `level` percent; NaN when n is too few."""
    rank = math.ceil((len(sorted_errors) + 1) * level / 100)
    return sorted_errors[rank - 1] if rank <= len(sorted_errors) else np.nan


@dataclass(frozen=True)
class ForecastWindow:
    """One forecaster's forecasts of one origin's test window (`RepeatScores.forecasts`' layout) and their MASE scale."""

    test_start: int
    actual: np.ndarray  # (test_size,)
    forecasts: np.ndarray  # (test_size * horizon,), cutoff-major, NaN past the window
    scale: float
    cutoff_scales: np.ndarray | None = None  # (test_size,) `error_scales` at each cutoff; None: absolute errors

    @classmethod
    def of_series(cls, series: np.ndarray, test_start: int, end: int, forecasts, scale: float, season: int) -> ForecastWindow:
        """The window of `series`' test positions test_start .. end - 1, its errors scaled at each cutoff (`error_scales`)."""
        cutoffs = slice(test_start - 1, end - 1)
        return cls(test_start, series[test_start:end], np.asarray(forecasts), scale, error_scales(series, season)[cutoffs])


def interval_scores(windows: list[ForecastWindow], horizon: int, levels: list[float]) -> list[dict[str, float]]:
    """Each window's MSIS and CRPS, scaled like MASE, from the forecaster's own errors: one repeat's, or one baseline's.

    A forecast from cutoff t at step h is calibrated on the errors of the same forecaster and step whose targets were
    observed by t (any of the windows: they are the forecaster's origins of one series), each in units of its own
    cutoff's scale and brought back to t's (`cutoff_scales`), the rule of the sweep's conformal intervals. MSIS (M4's,
    with scoringrules' interval score) scores its 95% interval; CRPS (scoringrules' `crps_ensemble`, its exact "qd"
    estimator) its predictive distribution, the forecast plus each known error. Only forecasts calibrated at every level
    count (the intervals table's rule), so both score the same forecasts; NaN where a window has none.
    """
    import scoringrules

    step, target, cutoff, forecast, actual, window, own = [], [], [], [], [], [], []
    for number, item in enumerate(windows):
        cutoffs, steps = np.divmod(np.arange(len(item.actual) * horizon), horizon)
        scored = scored_steps(len(item.actual), horizon)
        step.append(steps[scored] + 1), cutoff.append(item.test_start + cutoffs[scored] - 1)
        target.append(item.test_start + cutoffs[scored] + steps[scored]), forecast.append(np.asarray(item.forecasts)[scored])
        actual.append(step_targets(item.actual, horizon)[scored]), window.append(np.full(scored.sum(), number))
        scales = item.cutoff_scales if item.cutoff_scales is not None else np.ones(len(item.actual))
        own.append(scales[cutoffs[scored]])
    step, target, cutoff, forecast, actual, window, own = map(np.concatenate, (step, target, cutoff, forecast, actual, window, own))
    errors = (actual - forecast) / own  # in units of each cutoff's scale
    scores = {metric: np.full(len(errors), np.nan) for metric in INTERVAL_METRICS}
    needed = minimum_calibration(max(levels))
    for h in np.unique(step):
        rows = np.flatnonzero(step == h)
        by_target = rows[np.argsort(target[rows], kind="stable")]
        known = np.searchsorted(target[by_target], cutoff[rows], side="right")  # errors observed by each cutoff
        calibrated = rows[known >= needed]
        if not len(calibrated):
            continue
        counts = known[known >= needed]
        members = np.zeros((len(calibrated), counts.max()))
        for position, count in enumerate(counts):
            members[position, :count] = errors[by_target[:count]]
        weights = (np.arange(counts.max()) < counts[:, None]) / counts[:, None]
        ensembles = forecast[calibrated, None] + members * own[calibrated, None]
        scores["crps"][calibrated] = scoringrules.crps_ensemble(actual[calibrated], ensembles, ens_w=weights, estimator="qd")
        if MSIS_LEVEL in levels:
            widths = np.array([conformal_width(np.sort(np.abs(row[:count])), MSIS_LEVEL) for row, count in zip(members, counts)])
            widths = widths * own[calibrated]
            bounds = forecast[calibrated] - widths, forecast[calibrated] + widths
            scores["msis"][calibrated] = scoringrules.interval_score(actual[calibrated], *bounds, 1 - MSIS_LEVEL / 100)
    return [{metric: _scaled_mean(values[window == number], item.scale) for metric, values in scores.items()}
            for number, item in enumerate(windows)]  # fmt: skip


def _scaled_mean(values: np.ndarray, scale: float) -> float:
    """The mean of a window's scored forecasts over its MASE scale; NaN with none scored or a zero scale (as MASE)."""
    if scale <= 0 or not np.isfinite(values).any():
        return np.nan
    return float(np.nanmean(values) / scale)
