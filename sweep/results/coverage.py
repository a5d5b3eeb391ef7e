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
    return coverage_from_counts(coverage_counts(intervals, levels))


def coverage_counts(intervals: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """`coverage_table`'s counts (`sum`: inside, `count`: calibrated) per method, level, `by` and value: what a chunk adds."""
    rows = []
    for level in levels:
        held = intervals[lo(level)].notna()
        frame = intervals.loc[held, [METHOD, "h", "origin"]].assign(
            inside=((intervals[lo(level)] <= intervals["y"]) & (intervals["y"] <= intervals[hi(level)]))[held]
        )
        for by in ("h", "origin"):
            counts = frame.groupby([METHOD, by], sort=False)["inside"].agg(["sum", "count"])
            rows.append(pd.DataFrame({
                METHOD: counts.index.get_level_values(METHOD), "level": level, "by": by, "value": counts.index.get_level_values(by),
                "sum": counts["sum"], "count": counts["count"],
            }))  # fmt: skip
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[METHOD, "level", "by", "value", "sum", "count"])


def coverage_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """`coverage_table` from `coverage_counts` (of one chunk of series or several)."""
    if counts.empty:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    totals = counts.groupby(["level", "by", METHOD, "value"], sort=False)[["sum", "count"]].sum().reset_index()
    low, high = proportion_confint(totals["sum"], totals["count"], alpha=1 - CONFIDENCE, method="wilson")
    return totals.assign(coverage=100 * totals["sum"] / totals["count"], ci_low=100 * low, ci_high=100 * high, forecasts=totals["count"])[
        COVERAGE_COLUMNS
    ]


def coverage_by_step(coverage: pd.DataFrame) -> pd.DataFrame:
    """The report's view: a row per (method, level), a column per step, the coverage in percent."""
    steps = coverage[coverage["by"] == "h"]
    table = steps.pivot_table(index=[METHOD, "level"], columns="value", values="coverage", sort=False)
    table.columns = [f"h{step}" for step in table.columns]
    return table


def reliability_table(intervals: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """A row per method, a column per nominal level: the coverage (percent) of the forecasts that level calibrated, so
    that intervals too narrow or too wide at every level show as a curve off the diagonal."""
    return reliability_from_counts(reliability_counts(intervals, levels))


def reliability_counts(intervals: pd.DataFrame, levels: list[float]) -> pd.DataFrame:
    """Per method and level, the forecasts inside (`sum`) of those calibrated (`count`): what a chunk adds."""
    return pd.concat({
        level: ((intervals[lo(level)] <= intervals["y"]) & (intervals["y"] <= intervals[hi(level)]))
        .where(intervals[lo(level)].notna()).astype(float).groupby(intervals[METHOD], sort=False).agg(["sum", "count"])
        for level in levels
    }, names=["level"]).reset_index()  # fmt: skip


def reliability_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """`reliability_table` from `reliability_counts` (of one chunk of series or several)."""
    totals = counts.groupby([METHOD, "level"], sort=False)[["sum", "count"]].sum().reset_index()
    covered = totals.assign(coverage=100 * totals["sum"] / totals["count"])
    table = covered.pivot_table(index=METHOD, columns="level", values="coverage", sort=False, dropna=False)
    table.columns.name = "nominal level"
    return table
