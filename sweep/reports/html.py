"""One self-contained `report.html`: tables, figures (embedded), baseline, config and environment.

It opens offline in any browser: no scripts, no external files, images inlined as base64 PNG.
"""

from __future__ import annotations

import base64
import html
import platform
from importlib import metadata

import pandas as pd
import yaml

from sweep.config.model import SweepConfig
from trainables import persistence_description

CONFIG_HEADING = "<h2>Config</h2>"
VERDICT_HEADING = "Verdict"
FORECAST_SECTION = ("<!-- forecast -->", "<!-- /forecast -->")  # what `with_forecast` adds, replaced on a later forecast
POINT_FIGURES_SHOWN = 24  # per-point diagnostic figures inlined in report.html; every one is written beside it
PACKAGES = ("ray", "tensorflow", "keras", "numpy", "pandas", "scipy", "lstm-sweep")
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f3f3f3; } img { max-width: 48%; margin: 0.3rem; border: 1px solid #eee; }
pre { background: #f7f7f7; padding: 0.8rem; font-size: 0.8rem; } .note { color: #555; } .verdict li { margin: 0.3rem 0; }
"""


def environment(node_count: int, wall_seconds: float) -> dict[str, str]:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "python": platform.python_version(),
        **versions,
        "machine": f"{platform.machine()}, {platform.system()}",
        "Ray nodes": str(node_count),
        "wall time": f"{wall_seconds:.1f} s",
    }


def render(
    config: SweepConfig,
    study_tables: dict[str, pd.DataFrame],
    study_figures: dict[str, dict[str, bytes]],
    point_figures: dict[str, bytes],
    point_count: int,
    persistence: float | None,
    facts: dict[str, str],
    unit: str,
    study_notes: dict[str, str] | None = None,
    verdicts: dict[str, str] | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
) -> str:
    """Figures map file names (as written beside the report) to PNG bytes: each study's own, and the
    first `POINT_FIGURES_SHOWN` per-point diagnostics of `point_count`; `unit` is the series'.
    `study_notes`: a line under each study's heading (across several series: Friedman's verdict); `verdicts`: each
    study's answer in a sentence or two, first on the page; `tables`: heading -> a sweep-wide table (intervals, by step)."""
    sections = [f"<h1>lstm-sweep: {html.escape(config.name)}</h1>"]
    if verdicts:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in verdicts.values())
        sections.append(f'<h2>{VERDICT_HEADING}</h2><ul class="verdict">{items}</ul>')
    sections.append(f'<p class="note">{_what_is_scored(config, html.escape(unit), persistence, bool(study_notes))}</p>')
    for heading, table in (tables or {}).items():
        sections.append(f"<h2>{html.escape(heading)}</h2>")
        sections.append(table.to_html(float_format=lambda value: f"{value:.3f}", na_rep="", border=0))
    for study, table in study_tables.items():
        sections.append(f"<h2>Study {html.escape(study)}</h2>")
        if study_notes and study in study_notes:
            sections.append(f'<p class="note">{html.escape(study_notes[study])}</p>')
        if table.empty:
            sections.append("<p>No completed trials.</p>")
        else:
            sections.append(table.to_html(float_format=lambda value: f"{value:.2f}", na_rep="", border=0))
        sections.extend(_image(name, png) for name, png in study_figures.get(study, {}).items())
    if point_figures:
        sections.append("<h2>Diagnostics per configuration</h2>")
        if point_count > len(point_figures):
            sections.append(f'<p class="note">The first {len(point_figures)} of {point_count}; all are in <code>diagnostics/</code>.</p>')
        sections.extend(_image(name, png) for name, png in point_figures.items())
    sections.append(CONFIG_HEADING + "<pre>" + html.escape(yaml.safe_dump(config.redacted_dump(), sort_keys=False)) + "</pre>")
    rows = "".join(f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td></tr>" for key, value in facts.items())
    sections.append(f"<h2>Environment</h2><table>{rows}</table>")
    body = "\n".join(sections)
    head = f'<meta charset="utf-8"><title>{html.escape(config.name)}</title><style>{STYLE}</style>'
    return f"<!doctype html>\n<html><head>{head}</head><body>\n{body}\n</body></html>\n"


def _what_is_scored(config: SweepConfig, unit: str, persistence: float | None, across: bool = False) -> str:
    """The paragraph above the tables, as HTML; `unit` arrives escaped."""
    evaluation = config.evaluation
    metric = {"rmse": f"RMSE in {unit}", "mae": f"MAE in {unit}", "smape": "sMAPE (%)", "mase": "MASE",
              "msis": "MSIS (each repeat's 95% conformal interval, scaled as MASE)",
              "crps": "CRPS (each repeat's conformal predictive distribution, scaled as MASE)"}[evaluation.metric]  # fmt: skip
    if evaluation.origins == 1:
        text = f"Test {metric} over {config.repeats} repeats per configuration. "
        test = "Mann-Whitney U"
    else:
        text = (f"Test {metric} over {config.repeats} repeats at each of {evaluation.origins} forecast origins "
                f"{evaluation.step_for(config.data)} observations apart ({evaluation.window} training window). ")  # fmt: skip
        test = "van Elteren's test (rank-sum within each origin, combined across origins)"
    if persistence is not None:
        text += (f"Persistence baseline ({persistence_description(config.data.difference_lag)}): <b>{persistence:.3f}</b>; "
                 "a useful configuration beats it. ")  # fmt: skip
    if evaluation.baselines:
        text += "Baselines (one score per origin) are compared by Wilcoxon's signed-rank test. "
    if across:
        return text + (
            "Across series: each method's score on a series is its mean there; methods are ranked within each series. "
            "<code>vs best</code>: Wilcoxon's signed-rank test over series against the lowest mean rank, Holm-corrected over all "
            "pairs (worse = p &lt; 0.05); per-series tables are in <code>summary.csv</code>."
        )
    return text + f"<code>vs best</code>: {test} against the study's best, Holm-corrected (worse = p &lt; 0.05)."


def _image(name: str, png: bytes) -> str:
    encoded = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(name)}" title="{html.escape(name)}" src="data:image/png;base64,{encoded}">'


def with_forecast(page: str, figures: dict[str, bytes], description: str) -> str:
    """`page` with a section of the winner's forecast (its fan charts) before the config: `lstm-sweep forecast` runs after
    the sweep wrote the report, and a later forecast replaces the section."""
    start, end = FORECAST_SECTION
    if start in page:
        page = page[: page.index(start)] + page[page.index(end) + len(end) :]
    images = "".join(_image(name, png) for name, png in figures.items())
    section = f'{start}<h2>The chosen configuration\'s forecast</h2><p class="note">{html.escape(description)}</p>{images}{end}\n'
    return page.replace(CONFIG_HEADING, section + CONFIG_HEADING, 1)
