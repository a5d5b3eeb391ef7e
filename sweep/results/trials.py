"""trials.parquet's frame: one row per (series, study, point, repeat, origin), from the decoded trials."""

from __future__ import annotations

import pandas as pd

from sweep.planning.plan import SweepPlan
from sweep.results.columns import with_axis_types
from sweep.results.decode import DecodedTrial
from trainables import SCORES, TIME_ATTRIBUTE, DiagnosticReport, FinalReport, Origin, RepeatScores, TrialStatus

_LEADING = ["repeat", "origin", "test_start", "seed", "status", "epochs_trained", *SCORES]
_REPEAT_FACTS = [column for column in RepeatScores.columns() if column not in _LEADING]
# whole numbers a failed or unfinished trial leaves empty: nullable integers, never floats
COUNT_COLUMNS = ["repeat", "origin", "test_start", "seed", "epochs_trained", "epochs_chosen", "training_rows", "trimmed_rows",
                 "forecast_batch_size", "failures", "race_round"]  # fmt: skip
ROWS_PER_PIECE = 100_000  # rows held as Python dicts at once (about 2 KB each) before they become a frame
# trials.parquet's columns in the order of its first release: a trial's own facts beside Tune's trial id
RESULT_COLUMNS = [*_LEADING, *_REPEAT_FACTS, *FinalReport.FACTS[:1], "trial_id", *FinalReport.FACTS[1:], "failures", "error"]


def trials_frame(trials: list[DecodedTrial], plan: SweepPlan, race: bool) -> pd.DataFrame:
    """One row per origin of each repeat, per study its point belongs to: a shared point's trial appears in each study.

    A trial stopped early by the scheduler keeps its last diagnostic scores, with status `stopped`;
    one that failed after its retries (or is unfinished) has no scores, and a failed one its error.
    With `race`, the round that ran each repeat is a column. Built `ROWS_PER_PIECE` rows at a time: a row is a Python dict
    only until its piece becomes a frame, and a sweep of many small trials makes few frames, not one per trial.
    """
    columns = ["series", "study", "grid_position", *plan.axis_names, *RESULT_COLUMNS, *(["race_round"] if race else [])]
    pieces, rows = [], []
    for trial in trials:
        rows.extend(_trial_rows(trial, plan, race))
        if len(rows) >= ROWS_PER_PIECE:
            pieces.append(pd.DataFrame(rows, columns=columns))
            rows = []
    pieces.append(pd.DataFrame(rows, columns=columns))
    frame = pd.concat(pieces, ignore_index=True).infer_objects() if len(pieces) > 1 else pieces[0]  # each column's own type
    frame["series_position"] = frame["series"].map({name: position for position, name in enumerate(plan.origins)})
    frame["point_order"] = frame.groupby(plan.axis_names, sort=False, dropna=False).ngroup()  # searched points: as suggested
    order = ["series_position", "study", "grid_position", "point_order", "repeat", "origin"]  # each study in grid order, series as given
    frame = frame.sort_values(order, ignore_index=True).drop(columns=["grid_position", "series_position", "point_order"])
    return with_axis_types(frame, counts=COUNT_COLUMNS).astype({"error": "str"})


def _trial_rows(trial: DecodedTrial, plan: SweepPlan, race: bool) -> list[dict]:
    """A trial's rows of the frame, under each study of its point."""
    request, final = trial.request, trial.final
    facts = {
        **request.point, "status": str(trial.status), "epochs_trained": trial.metrics.get(TIME_ATTRIBUTE, 0),
        "trial_id": trial.trial_id, "failures": trial.failures, **(final.facts if final else dict.fromkeys(FinalReport.FACTS)),
        **({"race_round": request.race_round} if race else {}),
    }  # fmt: skip
    repeat_rows = _repeat_rows(trial, plan.origins)
    return [{"study": study, "grid_position": position, **facts, **repeat_row}
            for study, position in plan.studies_of(request.point).items() for repeat_row in repeat_rows]  # fmt: skip


def _repeat_rows(trial: DecodedTrial, origins: dict[str, list[Origin]]) -> list[dict]:
    request = trial.request
    if trial.status is TrialStatus.COMPLETED:
        return [row.without_forecasts() for row in trial.repeats()]
    if trial.status is TrialStatus.STOPPED:  # early stopping needs diagnostics, which need one series and one origin
        diagnostic, series = DiagnosticReport.from_metrics(trial.metrics), request.series[0]
        origin = origins[series][0]
        return [
            {"series": series, "repeat": repeat, "origin": origin.index, "test_start": origin.test_start, "seed": seed,
             "test_rmse": test_rmse, "train_rmse": train_rmse, "fit_seconds": float("nan"), "compile_seconds": float("nan")}
            for repeat, seed, test_rmse, train_rmse in zip(
                request.repeat_indices, request.seeds, diagnostic.test_rmse, diagnostic.train_rmse
            )
        ]  # fmt: skip
    message = _error_line(trial.error) if trial.error is not None else None
    return [
        {"series": series, "repeat": repeat, "origin": origin.index, "test_start": origin.test_start, "seed": seed, "error": message}
        for series in request.series for repeat, seed in zip(request.repeat_indices, request.seeds) for origin in origins[series]
    ]  # fmt: skip


def _error_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
