"""Turn Tune's ResultGrid into one row per (study, trial) and the study's describe() tables."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
from ray import tune

from sweep.config import SweepConfig
from sweep.plan import SweepPlan
from sweep.statistics import compare_to_best
from sweep.tuning import result_status
from trainables.contract import NODE_ID, TIME_ATTRIBUTE, DiagnosticReport, FinalReport, TrialRequest, TrialStatus
from trainables.spec import ALL_AXES

RESULT_COLUMNS = [
    "repeat", "seed", "status", "epochs_trained", "test_rmse", "train_rmse", "fit_seconds", "compile_seconds",
    "training_rows", "trimmed_rows", "forecast_batch_size", "trial_id", NODE_ID, "error",
]  # fmt: skip
TRIAL_FACTS = ("training_rows", "trimmed_rows", "forecast_batch_size", NODE_ID)  # `FinalReport.facts`: per trial


def point_columns(frame: pd.DataFrame) -> list[str]:
    """The axes a trials or history frame carries, in the canonical order."""
    return [axis for axis in ALL_AXES if axis in frame.columns]


def trials_frame(results: tune.ResultGrid, plan: SweepPlan, config: SweepConfig) -> pd.DataFrame:
    """One row per study a trial's point belongs to: a shared point's trial appears in each study.

    A trial stopped early by the scheduler keeps its last diagnostic scores, with status `stopped`;
    one that failed after its retries (or is unfinished) has no scores, and a failed one its error.
    """
    rows = []
    for result in results:
        request, metrics = TrialRequest.from_tune(result.config), result.metrics or {}
        status = result_status(result, config)
        final = FinalReport.from_metrics(metrics)
        trial = {
            **request.point, "status": str(status), "epochs_trained": metrics.get(TIME_ATTRIBUTE, 0),
            "trial_id": metrics.get("trial_id", result.path and Path(result.path).name),
            **(final.facts if final else dict.fromkeys(TRIAL_FACTS)),
        }  # fmt: skip
        for repeat_row in _repeat_rows(request, status, final, metrics, result.error):
            for study, position in plan.studies_of(request.point).items():
                rows.append({"study": study, "grid_position": position, **trial, **repeat_row})
    frame = pd.DataFrame(rows, columns=["study", "grid_position", *plan.axis_names, *RESULT_COLUMNS])
    frame = frame.sort_values(["study", "grid_position", "repeat"], ignore_index=True)  # each study in its grid's order
    return frame.drop(columns="grid_position")


def _repeat_rows(request: TrialRequest, status: TrialStatus, final, metrics: dict, error) -> list[dict]:
    if status is TrialStatus.COMPLETED:
        return [asdict(row) for row in final.repeats]
    if status is TrialStatus.STOPPED:
        diagnostic = DiagnosticReport.from_metrics(metrics)
        return [
            {"repeat": repeat, "seed": seed, "test_rmse": test_rmse, "train_rmse": train_rmse,
             "fit_seconds": float("nan"), "compile_seconds": float("nan")}
            for repeat, seed, test_rmse, train_rmse in zip(
                request.repeat_indices, request.seeds, diagnostic.test_rmse, diagnostic.train_rmse
            )
        ]  # fmt: skip
    message = _error_line(error) if error is not None else None
    return [{"repeat": repeat, "seed": seed, "error": message} for repeat, seed in zip(request.repeat_indices, request.seeds)]


def _error_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__


def summarize(trials: pd.DataFrame, statistics: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per (study, point): describe() of the completed trials' test RMSE, bootstrap intervals of the
    mean and median, the Holm-adjusted Mann-Whitney p-value against the study's best configuration,
    and how many trials stopped early or failed. `statistics`: each study's `study_statistics`, if
    already computed (they cost a bootstrap per configuration)."""
    keys = ["study", *point_columns(trials)]
    every_point = pd.MultiIndex.from_frame(trials[keys].drop_duplicates())
    completed = trials[trials["status"] == "completed"]
    summary = completed.groupby(keys)["test_rmse"].describe().reindex(every_point)
    summary["count"] = summary["count"].fillna(0)
    statistics = statistics or {study: study_statistics(trials, study) for study in trials["study"].unique()}
    frames = [frame.assign(study=study) for study, frame in statistics.items() if not frame.empty]
    if frames:
        summary = summary.join(pd.concat(frames).set_index(keys))
    for status in ("stopped", "failed"):
        summary[status] = trials[trials["status"] == status].groupby(keys).size().reindex(every_point, fill_value=0)
    return summary.reset_index()


def study_statistics(trials: pd.DataFrame, study: str) -> pd.DataFrame:
    """`compare_to_best` of a study's completed configurations, with their point columns."""
    members, axes = completed_in_study(trials, study)
    if members.empty:
        return pd.DataFrame()
    labels = configuration_labels(members, axes)
    samples = {label: group["test_rmse"].to_numpy() for label, group in members.groupby(labels, sort=False)}
    points = members.groupby(labels, sort=False)[point_columns(members)].first()
    return compare_to_best(samples).join(points)


def varying_axes(trials: pd.DataFrame) -> list[str]:
    """The axes a study actually varies, which label its configurations; all axes if none vary."""
    axes = point_columns(trials)
    return [axis for axis in axes if trials[axis].nunique() > 1] or axes


def configuration_labels(trials: pd.DataFrame, axes: list[str]) -> pd.Series:
    """'1000/4' style labels of each row's values on `axes`."""
    labels = ["/".join(str(value) for value in row) for row in trials[axes].itertuples(index=False)]
    return pd.Series(labels, index=trials.index, dtype=object)


def completed_in_study(trials: pd.DataFrame, study: str) -> tuple[pd.DataFrame, list[str]]:
    """A study's completed rows in grid order (the trials frame's), and the axes that label its configurations."""
    members = trials[trials["study"] == study]
    completed = members[members["status"] == "completed"]
    return completed, varying_axes(members)


def study_table(trials: pd.DataFrame, study: str, statistics: pd.DataFrame | None = None) -> pd.DataFrame:
    """The study's own table shape: describe() rows, then the bootstrap intervals, the p-value against
    the best configuration and a verdict (best / worse / tie), one column per configuration."""
    members, axes = completed_in_study(trials, study)
    columns = {
        label: group["test_rmse"].reset_index(drop=True)
        for label, group in members.groupby(configuration_labels(members, axes), sort=False)
    }
    if not columns:
        return pd.DataFrame()
    table = pd.DataFrame(columns).describe()
    statistics = study_statistics(trials, study) if statistics is None else statistics
    extra = statistics[["mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high", "p_vs_best"]].T
    extra.index = ["mean 95% CI low", "mean 95% CI high", "median 95% CI low", "median 95% CI high", "p vs best (Holm)"]
    verdict = statistics["differs_from_best"].map({True: "worse", False: "tie"}).where(~statistics["diverged"], "diverged")
    verdict = verdict.where(~statistics["best"], "best")
    table = pd.concat([table, extra, verdict.to_frame("vs best").T])
    table.columns.name = "/".join(axes)
    return table
