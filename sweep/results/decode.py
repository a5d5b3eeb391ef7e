"""The one reader of Tune's results: each trial of a `ResultGrid` as its request, outcome and reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from ray import tune

from sweep.storage.forecast_parts import WINDOW_KEYS, ForecastParts
from trainables import FinalReport, RepeatScores, TrialRequest, TrialStatus, trial_id, trial_status


@dataclass(frozen=True)
class DecodedTrial:
    """One Tune trial, read through the contract."""

    request: TrialRequest | None  # None only for a trial an interruption left before Tune gave it a config (unfinished)
    status: TrialStatus
    metrics: dict[str, Any]  # its last report ({} if it made none)
    final: FinalReport | None  # its final report, when it completed
    error: BaseException | None  # why it failed, after its retries
    result: tune.Result
    failures: int = 0  # how often it failed (its worker died, or it raised): retried up to `max_failures` times
    parts: ForecastParts | None = None  # where its repeats are, when its final report left them out

    def repeats(self) -> list[RepeatScores]:
        """Its completed repeats' scores (one per repeat, origin and series), from its report or, when it published them,
        read from its part each time: the driver holds no trial's rows longer than it reads them."""
        return self.parts.scores(self.trial_id) if self.final.scores_published else self.final.repeats

    def forecasts(self) -> tuple[list[tuple], np.ndarray, np.ndarray]:
        """Its completed repeats' forecast windows, each (series, repeat, origin, test_start), and their forecasts in the
        same order: one flat array, and each window's count of them."""
        if self.final.scores_published:
            return self.parts.windows(self.trial_id)
        rows = self.final.repeats
        windows = [tuple(getattr(row, key) for key in WINDOW_KEYS) for row in rows]
        if self.final.forecasts_published:
            return windows, *self.parts.forecasts(self.trial_id, self.final)
        return (
            windows,
            np.array([value for row in rows for value in row.forecasts], dtype=float),
            np.array([len(row.forecasts) for row in rows]),
        )

    @property
    def trial_id(self) -> str | None:
        return trial_id(self.metrics) or (Path(self.result.path).name if self.result.path else None)

    def reports(self) -> list[dict[str, Any]]:
        """Every report the trial made, from the `result.json` Tune keeps (lists intact), so a history survives early
        stopping and a restored sweep alike."""
        if self.result.path is None:
            return []
        try:
            with self.result.filesystem.open_input_stream(f"{self.result.path}/result.json") as stream:
                lines = stream.read().decode().splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]


def decode(
    results: tune.ResultGrid, early_stopping: bool, failures: dict[str, int], parts: ForecastParts | None
) -> list[DecodedTrial]:  # fmt: skip
    """Every trial of the grid. Tune marks the trials it ends on Ctrl-C as terminated, like finished ones, so each
    outcome comes from its metrics (`trial_status`, the contract's one rule); `early_stopping`: the sweep has a scheduler;
    `failures`: Tune's failure count by trial folder name (`sweep.execution.failures`); `parts`: where a completed
    trial's repeats are, when its report left them out (None: reports that carry them)."""
    decoded = []
    for result in results:
        metrics = dict(result.metrics or {})
        status = trial_status(metrics, failed=result.error is not None, early_stopping=early_stopping)
        request = TrialRequest.from_tune(result.config) if result.config is not None else None
        final = FinalReport.from_metrics(metrics)
        if final is not None and final.forecasts_published and parts is None:
            raise ValueError(f"trial {trial_id(metrics)} published its repeats as a part, and no parts' location was given")
        trial = DecodedTrial(request, status, metrics, final, result.error, result, parts=parts)
        counted = failures.get(Path(result.path).name if result.path else None, 0)
        # a failed trial failed at least once, though Tune's saved count may predate its last failure
        decoded.append(replace(trial, failures=max(counted, 1) if status is TrialStatus.FAILED else counted))
    return decoded


def unfinished(trials: list[DecodedTrial]) -> int:
    """Trials Ctrl-C (or a dead driver) left without an outcome: what a resume runs."""
    return sum(trial.status is TrialStatus.UNFINISHED for trial in trials)
