"""The answer first: a sentence or two per study that report.html opens with, from the tables the sweep computed.

Per study: the best method, the best LSTM configuration's gap to it in the sweep's metric with the Holm-adjusted p-value
the table gives, and where the sweep set `evaluation.levels`, how often that configuration's intervals held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sweep.results.columns import BASELINE_SUFFIX, points_by_label
from sweep.results.outcome import Outcome
from sweep.results.verdicts import SIGNIFICANCE

METRIC_WORDS = {"rmse": "RMSE", "mae": "MAE", "smape": "sMAPE", "mase": "MASE", "msis": "MSIS", "crps": "CRPS"}


def study_verdicts(outcome: Outcome, metric: str) -> dict[str, str]:
    """Study -> its verdict in words: on one series from its table, across several from the comparison across series."""
    if outcome.across:
        return {study: _across(study, judged.comparison, metric, outcome) for study, judged in outcome.across.items()}
    return {study: _one_series(study, table, outcome.single_statistics[study], metric, outcome) for study, table in outcome.single.items()}


def _one_series(study: str, table: pd.DataFrame, statistics: pd.DataFrame, metric: str, outcome: Outcome) -> str:
    if table.empty or statistics.empty or not statistics["best"].any():
        return f"Study {study}: no configuration completed with finite scores."
    means = table.loc["mean"].astype(float)
    best = statistics.index[statistics["best"]][0]
    configurations = statistics.index[~statistics["baseline"]]
    lstm = means[configurations].idxmin()
    baselines = statistics.index[statistics["baseline"]]
    rival = best if best != lstm else (means[baselines].idxmin() if len(baselines) else None)
    return _sentence(study, table.columns.name, best, lstm, rival, means, statistics["p_vs_best"], metric, outcome, "mean")


def _across(study: str, comparison: pd.DataFrame, metric: str, outcome: Outcome) -> str:
    best = comparison.index[comparison["verdict"] == "best"]
    configurations = comparison[~comparison["baseline"]].sort_values(["mean_rank", "mean"])
    if best.empty or configurations.empty:
        return f"Study {study}: no method has finite scores on every series."
    lstm = configurations.index[0]
    baselines = comparison[comparison["baseline"]].sort_values(["mean_rank", "mean"]).index
    rival = best[0] if best[0] != lstm else (baselines[0] if len(baselines) else None)
    axes = outcome.across[study].scores.columns.name
    sentence = _sentence(
        study, axes, best[0], lstm, rival, comparison["mean"], comparison["p_vs_best"], metric, outcome, "mean over series"
    )
    return sentence.replace(
        f"Study {study}: ", f"Study {study}, across {len(outcome.across[study].scores)} series (best: lowest mean rank): ", 1
    )


def _sentence(study, axes, best, lstm, rival, means, p_values, metric, outcome: Outcome, mean_words: str) -> str:
    """'the best method is X (mean M); the best LSTM configuration Y scores N, +P% (Holm p)', and its coverage."""
    name = METRIC_WORDS[metric]
    configuration = "the LSTM configuration " if best == lstm else ""
    text = f"Study {study}: the best method is {configuration}{_named(best, axes)} ({mean_words} test {name} {means[best]:.4g})"
    if rival is None:
        text += "."
    else:
        other = rival if best == lstm else lstm
        p_value = p_values.get(other, float("nan"))
        judged = "untested" if not np.isfinite(p_value) else ("worse" if p_value < SIGNIFICANCE else "not significantly different")
        gap = means[other] / means[best] - 1 if means[best] else float("nan")
        text += (f"; {'the best baseline' if best == lstm else 'the best LSTM configuration'}, {_named(other, axes)}, scores "
                 f"{means[other]:.4g}, {gap:+.1%} ({judged}, Holm p = {p_value:.2g}).")  # fmt: skip
    return text + _coverage(study, lstm, outcome)


def _named(label: str, axes: str | None) -> str:
    if label.endswith(BASELINE_SUFFIX):
        return label.removesuffix(BASELINE_SUFFIX)
    return f"{axes} {label}" if axes else label


def _coverage(study: str, label: str, outcome: Outcome) -> str:
    """How often the configuration's intervals (the repeats' median, calibrated on its backtest) held, where levels are set."""
    scores = outcome.interval_scores
    if scores is None:
        return ""
    point = points_by_label(outcome.trials, study).get(label)
    candidates = [method for method in scores.index if method.startswith(f"{study}: ")]
    words = {f"{axis} {value}" for axis, value in (point or {}).items()}
    matching = [method for method in candidates if set(method.removeprefix(f"{study}: ").split(", ")) <= words]
    if len(matching) != 1:
        return ""
    row = scores.loc[matching[0]]
    levels = [column.removeprefix("coverage-") for column in scores.columns if column.startswith("coverage-")]
    held = " and ".join(f"{row[f'coverage-{level}']:.1%}" for level in levels)
    return f" Its {'% and '.join(levels)}% intervals held for {held} of {int(row['calibrated forecasts'])} calibrated backtest forecasts."
