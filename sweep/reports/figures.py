"""The study's figures: box plots of the test metric per study (baselines beside), the best forecasts
against the actuals, and diagnostic RMSE curves over epochs.

`unit` is the series' unit (its column name, or the built-in series' unit), shown on every axis.
"""

from __future__ import annotations

import matplotlib

from trainables import score_column

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sweep.results.columns import BASELINE_SUFFIX, completed_in_study, configuration_labels, of_point, point_columns, varying_axes
from sweep.results.intervals import MODEL_SUFFIX
from trainables import point_file_key, point_words  # noqa: E402

BOXES_PER_FIGURE = 40  # a wider figure stops being readable (and matplotlib refuses past 2^16 pixels)
BASELINE_COLOUR = "tab:purple"  # boxes' medians are orange, so baselines take another colour
MAX_LEGEND_CURVES = 12  # more configurations than this: colours from a colormap, no legend


METRIC_NAMES = {"rmse": "RMSE", "mae": "MAE", "smape": "sMAPE", "mase": "MASE", "msis": "MSIS", "crps": "CRPS"}


def metric_label(metric: str, unit: str) -> str:
    """'test RMSE (sales)': the unit of a scale-dependent metric, percent for sMAPE, none for MASE, MSIS and CRPS."""
    units = {"smape": "%", "mase": "scale-free", "msis": "scale-free", "crps": "scale-free"}
    return f"test {METRIC_NAMES[metric]} ({units.get(metric, unit)})"


def box_plots(
    trials: pd.DataFrame, study: str, persistence: float | None, unit: str, metric: str = "rmse", baselines: pd.DataFrame | None = None
) -> list:
    """One box per configuration, in grid order, `BOXES_PER_FIGURE` to a figure; each baseline's box
    (one score per origin) in purple at the right of every page. `persistence`: a reference line, if any."""
    score = score_column(metric)
    members, axis_names = completed_in_study(trials, study)
    groups = list(members.groupby(configuration_labels(members, axis_names), sort=False)[score])
    pages = [groups[start : start + BOXES_PER_FIGURE] for start in range(0, len(groups), BOXES_PER_FIGURE)] or [[]]
    references = []
    if baselines is not None and not baselines.empty:
        completed = baselines[baselines["status"] == "completed"]
        references = [(f"{name}{BASELINE_SUFFIX}", group[score]) for name, group in completed.groupby("baseline", sort=False)]
    repeats = max((len(values) for _, values in groups), default=0)
    origins = trials["origin"].nunique()
    figures = []
    for number, page in enumerate(pages, 1):
        boxes = len(page) + len(references)
        inches_per_box = 1.2 if boxes <= 12 else 0.5  # narrower boxes, rotated labels, for wide studies
        figure, ax = plt.subplots(figsize=(max(4.0, inches_per_box * boxes + 2), 4.5))
        ax.boxplot([values.dropna().to_numpy() for _, values in page], tick_labels=[label for label, _ in page])
        if references:
            purple = {"color": BASELINE_COLOUR}
            ax.boxplot([values.to_numpy() for _, values in references], positions=range(len(page) + 1, boxes + 1),
                       tick_labels=[label for label, _ in references], boxprops=purple, whiskerprops=purple, capprops=purple,
                       medianprops=purple)  # fmt: skip
            ax.set_xticks(range(1, boxes + 1), labels=[label for label, _ in [*page, *references]])
            ax.set_xlim(0.5, boxes + 0.5)
        if persistence is not None:
            ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
            ax.legend(loc="upper left")
        ax.set_xlabel(" / ".join(axis_names))
        ax.set_ylabel(metric_label(metric, unit) + _log_scale_if_wide(ax, [values for _, values in [*page, *references]]))
        part = f" (part {number} of {len(pages)})" if len(pages) > 1 else ""
        over = f"{repeats} repeats" if origins == 1 else f"{repeats // origins} repeats x {origins} origins"
        ax.set_title(f"{study}: {metric_label(metric, unit).split(' (')[0]} over {over}{part}")
        ax.tick_params(axis="x", labelrotation=90 if boxes > 12 else 0)
        figure.tight_layout()
        plt.close(figure)
        figures.append(figure)
    return figures


def forecast_figure(
    forecasts: pd.DataFrame, series: np.ndarray, best_point: dict | None, best_baseline: str | None, title: str, unit: str,
    dates: pd.DatetimeIndex | None = None,
):  # fmt: skip
    """Actuals against the best configuration's forecasts (median and 10-90% band over repeats) and the
    best baseline's, origin by origin; against the series' `dates` where it has them, else its positions."""
    first = int(forecasts["index"].min()) if not forecasts.empty else len(series)
    context = max(0, first - 2 * (len(series) - first) // max(1, forecasts["origin"].nunique()))
    when = dates.to_numpy(dtype="datetime64[ns]") if dates is not None else np.arange(len(series))
    figure, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(when[context:], series[context:], color="black", linewidth=1, label="actual")
    if best_point is not None:
        chosen = forecasts[of_point(forecasts, best_point)]
        quantiles = chosen.groupby(["origin", "index"])["forecast"].quantile([0.1, 0.5, 0.9]).unstack()
        for number, (_, band) in enumerate(quantiles.groupby(level="origin")):
            steps = when[band.index.get_level_values("index").to_numpy(dtype=int)]
            ax.fill_between(steps, band[0.1], band[0.9], color="tab:blue", alpha=0.2, label="LSTM 10-90%" if number == 0 else None)
            ax.plot(steps, band[0.5], color="tab:blue", label="best LSTM, median" if number == 0 else None)
    if best_baseline is not None:
        chosen = forecasts[forecasts["baseline"] == best_baseline]
        for number, (_, steps) in enumerate(chosen.groupby("origin")):
            label = f"best baseline: {best_baseline}" if number == 0 else None
            ax.plot(when[steps["index"].to_numpy(dtype=int)], steps["forecast"], color=BASELINE_COLOUR, linestyle="--", label=label)
    ax.set_xlabel("date" if dates is not None else "observation")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    plt.close(figure)
    return figure


def series_box_plot(scores: pd.DataFrame, study: str, metric: str):
    """One box per method of its mean score on each series (a series where it diverged is left out), baselines in purple."""
    methods = list(scores.columns)
    figure, ax = plt.subplots(figsize=(max(4.0, (1.2 if len(methods) <= 12 else 0.5) * len(methods) + 2), 4.5))
    boxes = ax.boxplot([scores[method][np.isfinite(scores[method])].to_numpy() for method in methods], tick_labels=methods,
                       patch_artist=False)  # fmt: skip
    for position, method in enumerate(methods):
        if method.endswith(BASELINE_SUFFIX):
            parts = [boxes["boxes"][position], boxes["medians"][position], *boxes["whiskers"][2 * position : 2 * position + 2],
                     *boxes["caps"][2 * position : 2 * position + 2]]  # fmt: skip
            for part in parts:
                part.set_color(BASELINE_COLOUR)
    ax.set_xlabel(scores.columns.name or "configuration")
    scale = _log_scale_if_wide(ax, [scores[method] for method in methods])
    ax.set_ylabel(f"mean {metric_label(metric, 'unit of each series')} per series{scale}")
    ax.set_title(f"{study}: {METRIC_NAMES[metric]} on each of {len(scores)} series")
    ax.tick_params(axis="x", labelrotation=90 if len(methods) > 12 else 0)
    figure.tight_layout()
    plt.close(figure)
    return figure


def rank_figure(comparison: pd.DataFrame, pairwise: pd.DataFrame, study: str, series_count: int, axes_label: str):
    """Critical-difference style: each method at its mean rank over the series; a bar joins methods the
    pairwise Holm-adjusted signed-rank tests cannot tell apart (scikit-posthocs draws it)."""
    import scikit_posthocs  # only figures across series need it

    tested = list(pairwise.index)
    figure, ax = plt.subplots(figsize=(8, 1.2 + 0.3 * len(tested)))
    colours = {method: BASELINE_COLOUR if method.endswith(BASELINE_SUFFIX) else "tab:blue" for method in tested}
    scikit_posthocs.critical_difference_diagram(
        comparison.loc[tested, "mean_rank"], pairwise.fillna(1.0), ax=ax, color_palette=colours,
        label_fmt_left="{label} ({rank:.2f})", label_fmt_right="({rank:.2f}) {label}",
    )  # fmt: skip
    left_out = [method for method in comparison.index if method not in tested]
    note = f"; left out (diverged on some series): {', '.join(left_out)}" if left_out else ""
    title = f"{study}: mean rank over {series_count} series (1 = best; configurations are {axes_label}); bars join ties{note}"
    ax.set_title(title, fontsize="small")
    figure.tight_layout()
    plt.close(figure)
    return figure


def _method_styles(methods: list[str]) -> tuple[dict[str, dict], list[str]]:
    """Each method's line style, and the configurations among them ("study: axis value"; baselines are bare names):
    configurations solid in a colour each, baselines dashed and grey with a marker each (their model intervals dotted and
    black, with the baseline's marker)."""
    configurations = [method for method in methods if ":" in method]
    colors = plt.cm.tab10.colors if len(configurations) <= 10 else plt.cm.viridis(np.linspace(0, 1, len(configurations)))
    styles = {method: {"color": color, "linestyle": "-", "marker": "o"} for method, color in zip(configurations, colors)}
    baselines = list(dict.fromkeys(method.removesuffix(MODEL_SUFFIX) for method in methods if ":" not in method))
    markers = dict(zip(baselines, "s^Dvx*"))
    for method in methods:
        if ":" not in method:
            modelled = method.endswith(MODEL_SUFFIX)
            styles[method] = {"color": "black" if modelled else "dimgrey", "linestyle": ":" if modelled else "--",
                              "marker": markers[method.removesuffix(MODEL_SUFFIX)]}  # fmt: skip
    return styles, configurations


WIDE_RANGE = 100  # scores spanning more than this ratio are drawn on a log axis, where a diverged point cannot flatten the rest


def _log_scale_if_wide(ax, groups: list[pd.Series]) -> str:
    """A log y-axis when the positive scores shown span more than `WIDE_RANGE`; the axis label's note, if so."""
    values = np.concatenate([np.asarray(group, dtype=float) for group in groups]) if groups else np.array([])
    values = values[np.isfinite(values)]
    if len(values) == 0 or values.min() <= 0 or values.max() / values.min() <= WIDE_RANGE:
        return ""
    ax.set_yscale("log")
    return " (log scale)"


def by_step_figure(by_step: pd.DataFrame, metric: str, unit: str):
    """Each configuration's (solid) and baseline's (dashed, grey, a marker each) mean metric against the horizon step."""
    steps = [column for column in by_step.columns if column.startswith("h")]
    styles, configurations = _method_styles(list(by_step.index))
    figure, ax = plt.subplots(figsize=(8, 4.5))
    for method, row in by_step.iterrows():
        ax.plot(range(1, len(steps) + 1), row[steps].to_numpy(dtype=float), label=method, markersize=4, **styles[method])
    ax.set_xticks(range(1, len(steps) + 1))
    ax.set_xlabel("horizon step h (forecasts from every cutoff)")
    ax.set_ylabel(metric_label(metric, unit))
    baselines = len(by_step) - len(configurations)
    ax.set_title(f"{METRIC_NAMES[metric]} by horizon step: {len(configurations)} configurations, {baselines} baselines")
    if len(configurations) <= MAX_LEGEND_CURVES:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    plt.close(figure)
    return figure


def reliability_figure(reliability: pd.DataFrame):
    """Nominal level against the coverage each method's intervals reached (configurations solid, baselines dashed and
    grey): on the diagonal, an interval holds as often as it says; below it, too narrow."""
    levels = [float(level) for level in reliability.columns]
    figure, ax = plt.subplots(figsize=(6.5, 5))
    ax.plot([levels[0], levels[-1]], [levels[0], levels[-1]], color="black", linewidth=0.8, label="nominal")
    styles, configurations = _method_styles(list(reliability.index))
    for method, row in reliability.iterrows():
        ax.plot(levels, row.to_numpy(dtype=float), label=method, markersize=4, **styles[method])
    ax.set_xlabel("nominal level (%)")
    ax.set_ylabel("coverage in the backtest (%)")
    ax.set_title("Reliability of the intervals (conformal; a baseline's own: dotted)")
    if len(configurations) <= MAX_LEGEND_CURVES:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    plt.close(figure)
    return figure


def fan_chart(history: np.ndarray, ahead, unit: str, shown: int = 48, dates: pd.DatetimeIndex | None = None):
    """The winner's forecast after the series' last `shown` observations: the repeats' median, a band per level (the
    widest lightest), every repeat faint, and the best baseline dashed; against dates where the series has them."""
    figure, ax = plt.subplots(figsize=(8, 4.5))
    past = history[-shown:]
    start = len(history) - len(past)
    dated = dates is not None and ahead.ds.dtype.kind == "M"
    when = dates.to_numpy(dtype="datetime64[ns]") if dated else np.arange(len(history))
    ax.plot(when[start:], past, color="black", linewidth=1.2, label="observed")
    steps = ahead.ds if dated else np.arange(len(history), len(history) + len(ahead.labels))
    joined = np.concatenate([when[-1:], steps])  # the forecast line starts at the last observation
    for level, width in sorted(ahead.widths.items(), reverse=True):
        shade = 0.15 + 0.25 * (1 - level / 100) / 0.2
        ax.fill_between(steps, ahead.median - width, ahead.median + width, color="tab:blue", alpha=min(shade, 0.5), linewidth=0,
                        label=f"{level:g}% interval (backtest)")  # fmt: skip
    for values in ahead.repeats:
        ax.plot(steps, values, color="tab:blue", alpha=0.15, linewidth=0.6)
    ax.plot(joined, np.concatenate([[history[-1]], ahead.median]), color="tab:blue", linewidth=2, label="LSTM: median of repeats")
    if ahead.baseline is not None:
        name, values = ahead.baseline.name, ahead.baseline.forecast
        ax.plot(joined, np.concatenate([[history[-1]], values]), color="dimgrey", linestyle="--", label=f"{name} (best baseline)")
    ax.set_xlabel(f"{'date' if dated else 'observation'} (forecast {ahead.labels[0]} to {ahead.labels[-1]})")
    ax.set_ylabel(unit)
    ax.set_title(f"{ahead.series}: {len(ahead.labels)} steps ahead, {len(ahead.repeats)} repeats")
    ax.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    plt.close(figure)
    return figure


def point_file_name(point: dict) -> str:
    return point_file_key(point) + ".png"


def diagnostic_curves(history: pd.DataFrame, point: dict, persistence: float, unit: str):
    """The study's diagnostic figure: each repeat's train (blue) and test (orange) RMSE over epochs."""
    members = history.drop_duplicates(["trial_id", "repeat", "epoch"])
    members = members[of_point(members, point)]
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for _, curve in members.groupby("repeat"):
        ax.plot(curve["epoch"], curve["train_rmse"], color="tab:blue", alpha=0.6, linewidth=1)
        ax.plot(curve["epoch"], curve["test_rmse"], color="tab:orange", alpha=0.6, linewidth=1)
    ax.plot([], [], color="tab:blue", label="train")
    ax.plot([], [], color="tab:orange", label="test")
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    return _finish(figure, ax, f"{point_words(point)}: {members['repeat'].nunique()} repeats", unit)


def median_curves(history: pd.DataFrame, study: str, persistence: float, unit: str):
    """Per configuration of a study: median test (solid) and train (dotted) RMSE over repeats."""
    axis_names = point_columns(history)
    members = history[history["study"] == study].sort_values([*axis_names, "epoch"])
    medians = members.groupby([*axis_names, "epoch"], sort=False)[["train_rmse", "test_rmse"]].median().reset_index()
    labels = configuration_labels(medians, varying_axes(members))
    curves = list(medians.groupby(labels, sort=False))
    colors = plt.cm.tab10.colors if len(curves) <= 10 else plt.cm.viridis(np.linspace(0, 1, len(curves)))
    figure, ax = plt.subplots(figsize=(7, 4.5))
    for (label, curve), color in zip(curves, colors):
        ax.plot(curve["epoch"], curve["test_rmse"], color=color, label=f"{label} test")
        ax.plot(curve["epoch"], curve["train_rmse"], color=color, linestyle=":", label=f"{label} train")
    ax.axhline(persistence, color="tab:red", linestyle="--", linewidth=1, label=f"persistence {persistence:.1f}")
    title = f"{study}: median RMSE by {' / '.join(varying_axes(members))}"
    if len(curves) > MAX_LEGEND_CURVES:
        title += f"\n{len(curves)} configurations, coloured in grid order (viridis)"
    return _finish(figure, ax, title, unit, legend=len(curves) <= MAX_LEGEND_CURVES)


def _finish(figure, ax, title: str, unit: str, legend: bool = True):
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"RMSE ({unit})")
    ax.set_title(title)
    if legend:
        ax.legend(loc="upper right", fontsize="small")
    figure.tight_layout()
    plt.close(figure)  # drawn and saved by the caller; pyplot keeps no reference
    return figure
