"""How often each method's intervals held, step by step and origin by origin, with a binomial confidence interval: a
coverage pooled over a backtest can hide intervals too narrow at later origins behind too wide early ones."""

from __future__ import annotations

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from sweep.results.horizons import METHOD
from sweep.results.intervals import hi, lo

CONFIDENCE = 0.95
RELIABILITY_LEVELS = (50.0, 60.0, 70.0, 80.0, 90.0, 95.0)  # the reliability figure's nominal levels, beside the sweep's own
COVERAGE_COLUMNS = [METHOD, "level", "by", "value", "coverage", "ci_low", "ci_high", "forecasts"]


def coverage_table(intervals: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """coverage.csv: per method and level, one row per horizon step (`by` = "h") and per origin (`by` = "origin"): the
    share of its calibrated forecasts whose observation fell inside, in percent, with a Wilson interval."""
    rows = []
    for level in levels:
        held = intervals[lo(level)].notna()
        frame = intervals.loc[held, [METHOD, "h", "origin"]].assign(
            inside=((intervals[lo(level)] <= intervals["y"]) & (intervals["y"] <= intervals[hi(level)]))[held]
        )
        for by in ("h", "origin"):
            counts = frame.groupby([METHOD, by], sort=False)["inside"].agg(["sum", "count"])
            low, high = proportion_confint(counts["sum"], counts["count"], alpha=1 - CONFIDENCE, method="wilson")
            rows.append(pd.DataFrame({
                METHOD: counts.index.get_level_values(METHOD), "level": level, "by": by, "value": counts.index.get_level_values(by),
                "coverage": 100 * counts["sum"] / counts["count"], "ci_low": 100 * low, "ci_high": 100 * high, "forecasts": counts["count"],
            }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)[COVERAGE_COLUMNS] if rows else pd.DataFrame(columns=COVERAGE_COLUMNS)


def coverage_by_step(coverage: pd.DataFrame) -> pd.DataFrame:
    """The report's view: a row per (method, level), a column per step, the coverage in percent."""
    steps = coverage[coverage["by"] == "h"]
    table = steps.pivot_table(index=[METHOD, "level"], columns="value", values="coverage", sort=False)
    table.columns = [f"h{step}" for step in table.columns]
    return table


def reliability_table(intervals: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """A row per method, a column per nominal level: the coverage (percent) of the forecasts that level calibrated, so
    that intervals too narrow or too wide at every level show as a curve off the diagonal."""
    table = pd.DataFrame({
        level: 100 * ((intervals[lo(level)] <= intervals["y"]) & (intervals["y"] <= intervals[hi(level)]))
        .where(intervals[lo(level)].notna()).groupby(intervals[METHOD], sort=False).mean()
        for level in levels
    })  # fmt: skip
    table.columns.name = "nominal level"
    return table
