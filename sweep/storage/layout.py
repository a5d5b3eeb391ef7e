"""Every file and folder a sweep writes under `<storage>/<name>`: one name each, used by writers and readers alike."""

from __future__ import annotations

CONFIG_FILE = "config.yaml"  # the validated config, written when the sweep starts
DATA_FILE = "data.json"  # what the sweep ran on: a fingerprint of the loaded series, written before the config
TUNE_FOLDER = "tune"  # Tune's experiment folder
CONFIRM_FOLDER = "tune-confirm"  # the confirmation run's Tune experiment, beside the sweep's
TRIALS_FILE = "trials.parquet"  # one row per (series, study, point, repeat, origin)
MANIFEST_FILE = "manifest.json"  # every result file a finished sweep wrote, written after them: the results are complete
FORECASTS_FILE = "forecasts.parquet"  # every forecast of every repeat and baseline
BASELINES_FILE = "baselines.parquet"  # the baselines' scores, with `evaluation.baselines`
HISTORY_FILE = "history.parquet"  # per-epoch diagnostic scores, with `diagnostics.every`
BY_STEP_FILE = "by_step.csv"  # each configuration's and baseline's mean metric at each horizon step, with `evaluation.horizon` > 1
BY_STEP_FIGURE = "by_step.png"  # the same as lines over the steps, with `evaluation.horizon` > 1
INTERVALS_FILE = "intervals.parquet"  # each method's forecasts with conformal intervals, with `evaluation.levels`
INTERVAL_SCORES_FILE = "intervals.csv"  # coverage, MSIS and CRPS per method, with `evaluation.levels`
RELIABILITY_FIGURE = "reliability.png"  # nominal level (50-95%) against each method's coverage, with `evaluation.levels`
COVERAGE_FILE = "coverage.csv"  # coverage per method, level, step and origin with a Wilson interval, with `evaluation.levels`
ENSEMBLES_FILE = "ensembles.csv"  # each configuration's median of k repeats scored, per series and origin (k = 1, 5, 10, 30, all)
HOLDOUT_FILE = "holdout.csv"  # each study's choice and the baselines on the held-out origins, with `evaluation.holdout`
HOLDOUT_ACROSS_FILE = "holdout_across.csv"  # and several series: each study's one choice across them, its ensemble, the baselines
SUMMARY_FILE = "summary.csv"  # describe() and the statistics per (series, study, point), baselines beside
ACROSS_SERIES_FILE = "across_series.csv"  # each study judged across series, with several series
CONFIRMATION_FILE = "confirmation.csv"  # selection against confirmation means, with `search.confirm`
REPORT_FILE = "report.html"  # one self-contained page: tables, figures, config and environment
FORECAST_FILE = "forecast.csv"  # `lstm-sweep forecast`'s output: every repeat's next value, or H steps' median and intervals
FORECAST_REPEATS_FILE = "forecast_repeats.csv"  # H steps ahead or with intervals: every repeat's forecasts
FAN_CHART_SUFFIX = "_forecast.png"  # H steps ahead or with intervals: one fan chart per series, `<series>_forecast.png`
DIAGNOSTICS_FOLDER = "diagnostics"  # one figure of train/test curves per point
