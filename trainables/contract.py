"""The whole interface between the driver (`sweep/`) and a trial: what a trial receives, what it
reports, and how a trial's outcome is read back.

Tune carries a trial's request as a flat dict of plain values and its reports as flat dicts of
metrics; these dataclasses are the only code that writes or reads those dicts, so every key has
one spelling and every value one default (the config model's, `sweep/config.py`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from trainables.spec import ModelSpec, canonical_point

if TYPE_CHECKING:
    from sweep.config import SweepConfig

Point = dict[str, Any]  # axis name -> value, one configuration of a study's grid

TUNE_CONFIG_KEY = "trial"  # a Tune trial's config holds its TrialRequest, as a flat dict, under this key
METRIC = "test_rmse"  # what Tune's schedulers and progress compare: the mean over the trial's repeats
TIME_ATTRIBUTE = "epoch"  # epochs trained when a report is made: the schedulers' clock
SCORES = ("test_rmse", "test_mae", "test_smape", "test_mase")
REPEAT_SCORES = "per_repeat"  # a final report's list of RepeatScores (one per repeat and origin): marks a completed trial
_DIAGNOSTIC_TEST = "diagnostic_test_rmse"  # a diagnostic report's per-repeat test RMSE, from a reset state
_DIAGNOSTIC_TRAIN = "diagnostic_train_rmse"
NODE_ID = "node_id"  # the Ray node a trial ran on, added to its final report under Ray
_TUNE_DONE = "done"  # Tune sets it on the result at which a scheduler stops a trial (not on one cut by Ctrl-C)


def repeat_seed(base_seed: int, point: Point, repeat: int) -> int:
    """A repeat's seed: a function of the base seed, the point and the repeat index, never of scheduling.

    Extension axes at their defaults do not count: the reference study's points keep their seeds.
    """
    point_digest = hashlib.sha256(json.dumps(canonical_point(point), sort_keys=True).encode()).digest()
    entropy = [base_seed, repeat, int.from_bytes(point_digest[:8], "little")]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@dataclass(frozen=True)
class TrialRequest:
    """What one trial runs: one point, some of its repeats, and how to prepare and score the series."""

    point: Point
    repeat_indices: tuple[int, ...]  # which of the point's repeats (0 .. repeats-1) this trial trains
    base_seed: int  # the sweep's `seed`; each repeat's own seed derives from it (`repeat_seed`)
    engine: str  # "compiled" or "keras"
    test_size: int  # observations forecast at each origin (at one origin: held out at the end of the series)
    difference_lag: int  # the series is differenced at this lag before framing (`data.difference_lag`)
    diagnostics_every: int  # epochs between diagnostic reports; 0: none
    origins: int = 1  # forecast origins (`evaluation.origins`); 1 is the protocol's single hold-out window
    origin_step: int | None = None  # observations between origins; None: test_size (`evaluation.step`)
    window: str = "expanding"  # each origin trains on everything before it, or a sliding window of fixed length
    season: int = 1  # MASE's seasonal naive lag (`evaluation.season`)
    series: tuple[str, ...] = ()  # which of the sweep's series the trial fits (their names), trained side by side
    race_round: int = 0  # the round of a race that scheduled the trial (1, 2, ...); 0 outside a race

    @classmethod
    def for_point(
        cls, config: SweepConfig, point: Point, repeat_indices: list[int], series: Sequence[str] = (), race_round: int = 0
    ) -> TrialRequest:
        return cls(
            series=tuple(series),
            race_round=race_round,
            point=point,
            repeat_indices=tuple(repeat_indices),
            base_seed=config.seed,
            engine=config.engine,
            test_size=config.data.test_size,
            difference_lag=config.data.difference_lag,
            diagnostics_every=config.diagnostics.every,
            origins=config.evaluation.origins,
            origin_step=config.evaluation.step_for(config.data),
            window=config.evaluation.window,
            season=config.evaluation.season_for(config.data),
        )

    def to_tune(self) -> dict[str, Any]:
        """The flat dict of plain values Tune keeps under `TUNE_CONFIG_KEY` of the trial's config."""
        return asdict(self) | {"repeat_indices": list(self.repeat_indices), "series": list(self.series)}

    @classmethod
    def from_tune(cls, config: Mapping[str, Any]) -> TrialRequest:
        """Rebuild from a Tune trial's config; a missing key is the driver's bug, so it fails loudly."""
        request = config[TUNE_CONFIG_KEY]
        missing = [item.name for item in fields(cls) if item.name not in request]
        if missing:
            raise KeyError(f"trial config lacks {missing}; it holds {sorted(request)}")
        values = {item.name: request[item.name] for item in fields(cls)}
        return cls(**values | {"repeat_indices": tuple(values["repeat_indices"]), "series": tuple(values["series"])})

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec.from_point(self.point)

    @property
    def epochs(self) -> int:
        return self.point["epochs"]

    @property
    def batch_size(self) -> int:
        return self.point["batch_size"]

    @property
    def seeds(self) -> list[int]:
        return [repeat_seed(self.base_seed, self.point, repeat) for repeat in self.repeat_indices]


@dataclass(frozen=True)
class RepeatScores:
    """One repeat's final scores at one origin: a row of trials.parquet, and its rows of forecasts.parquet."""

    repeat: int
    seed: int
    test_rmse: float  # walk-forward RMSE on the origin's test window, in the series' units
    train_rmse: float  # RMSE of the state-warming pass over the training rows
    fit_seconds: float  # its share of the trial's training and evaluation time
    compile_seconds: float  # its share of the trial's compile time (0 when the shape was compiled before)
    origin: int = 0  # 0 is the earliest origin
    test_start: int = 0  # index in the series of the first observation forecast
    test_mae: float = float("nan")
    test_smape: float = float("nan")  # percent, 0-200
    test_mase: float = float("nan")  # MAE over the training window's in-sample seasonal naive MAE
    training_rows: int = 0  # rows trained on, after trimming to whole batches
    trimmed_rows: int = 0  # leading training rows dropped by that trimming
    forecasts: list[float] = field(default_factory=list)  # the one-step forecasts of the test window, in order
    series: str = ""  # which of the trial's series

    def without_forecasts(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "forecasts"}


@dataclass(frozen=True)
class DiagnosticReport:
    """The protocol's diagnostic scores after `epoch` epochs, one per repeat, each from a reset state."""

    epoch: int
    test_rmse: list[float]
    train_rmse: list[float]

    def to_metrics(self) -> dict[str, Any]:
        return {
            TIME_ATTRIBUTE: self.epoch,
            METRIC: float(np.mean(self.test_rmse)),
            "train_rmse": float(np.mean(self.train_rmse)),
            _DIAGNOSTIC_TEST: list(self.test_rmse),
            _DIAGNOSTIC_TRAIN: list(self.train_rmse),
        }

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, Any]) -> DiagnosticReport | None:
        """The diagnostic a report carries, or None (a final report without diagnostics)."""
        if _DIAGNOSTIC_TEST not in metrics:
            return None
        return cls(metrics[TIME_ATTRIBUTE], list(metrics[_DIAGNOSTIC_TEST]), list(metrics[_DIAGNOSTIC_TRAIN]))


@dataclass(frozen=True)
class FinalReport:
    """A trial's last report: every repeat's scores and what the data did to its point.

    The last diagnostic rides on it, so a scheduler stopping at its last rung cannot cut it off.
    """

    epoch: int  # epochs trained
    repeats: list[RepeatScores]  # one per repeat and origin, origins of a repeat together
    forecast_batch_size: int  # the training batch size, or 1 when it does not divide the test rows
    last_diagnostic: DiagnosticReport | None = None
    node_id: str | None = field(default=None)  # set under Ray

    @property
    def facts(self) -> dict[str, Any]:
        """Per-trial columns of trials.parquet, the same for each of its repeats."""
        return {"forecast_batch_size": self.forecast_batch_size, NODE_ID: self.node_id}

    def on_node(self, node_id: str) -> FinalReport:
        return replace(self, node_id=node_id)

    def to_metrics(self) -> dict[str, Any]:
        diagnostic = self.last_diagnostic.to_metrics() if self.last_diagnostic else {}
        return diagnostic | {
            TIME_ATTRIBUTE: self.epoch,
            METRIC: float(np.mean([row.test_rmse for row in self.repeats])),
            "train_rmse": float(np.mean([row.train_rmse for row in self.repeats])),
            "fit_seconds": float(sum(row.fit_seconds for row in self.repeats)),
            "compile_seconds": float(sum(row.compile_seconds for row in self.repeats)),
            REPEAT_SCORES: [asdict(row) for row in self.repeats],
            **self.repeat_scalars(),
            **self.facts,
        }

    def repeat_scalars(self) -> dict[str, float]:
        """Each repeat's scores (means over its series and origins) as flat scalars: experiment trackers keep
        numbers and drop the `per_repeat` list."""
        by_repeat: dict[int, list[RepeatScores]] = {}
        for row in self.repeats:
            by_repeat.setdefault(row.repeat, []).append(row)
        return {f"repeat_{repeat}/{score}": float(np.mean([getattr(row, score) for row in rows]))
                for repeat, rows in by_repeat.items() for score in SCORES}  # fmt: skip

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, Any]) -> FinalReport | None:
        """The final report a trial's last metrics hold, or None if it never made one."""
        if REPEAT_SCORES not in metrics:
            return None
        return cls(
            epoch=metrics[TIME_ATTRIBUTE],
            repeats=[RepeatScores(**row) for row in metrics[REPEAT_SCORES]],
            forecast_batch_size=metrics["forecast_batch_size"],
            last_diagnostic=DiagnosticReport.from_metrics(metrics),
            node_id=metrics.get(NODE_ID),
        )


class TrialStatus(StrEnum):
    COMPLETED = "completed"  # made its final report
    STOPPED = "stopped"  # ended by the early-stopping scheduler at a diagnostic report
    FAILED = "failed"  # raised (or its worker died) more often than the retries allow
    UNFINISHED = "unfinished"  # none of the above: interrupted, or never started; a resume runs it


def trial_status(metrics: Mapping[str, Any] | None, failed: bool, early_stopping: bool) -> TrialStatus:
    """The one rule for a trial's outcome, from its last metrics, its error and the sweep's scheduler."""
    metrics = metrics or {}
    if failed:
        return TrialStatus.FAILED
    if REPEAT_SCORES in metrics:
        return TrialStatus.COMPLETED
    if early_stopping and _DIAGNOSTIC_TEST in metrics and metrics.get(_TUNE_DONE):
        return TrialStatus.STOPPED
    return TrialStatus.UNFINISHED
