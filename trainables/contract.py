"""The whole interface between the driver (`sweep/`) and a trial: what a trial receives, what it
reports, and how a trial's outcome is read back.

Tune carries a trial's request as a flat dict of plain values and its reports as flat dicts of
metrics; these dataclasses are the only code that writes or reads those dicts, so every key has
one spelling. It takes plain values, never the driver's config (`sweep/planning/requests.py` maps one
to a request), and it also fixes what a baseline task returns (`BaselineForecast`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from trainables.backtest import INTERVAL_METRICS, METRICS
from trainables.spec import ModelSpec, canonical_point, typed_point

Point = dict[str, Any]  # axis name -> value, one configuration of a study's grid

TUNE_CONFIG_KEY = "trial"  # a Tune trial's config holds its TrialRequest, as a flat dict, under this key
SCHEDULER_METRIC = "test_rmse"  # what Tune's schedulers and live table compare: the mean over the trial's repeats (never
# the user's `evaluation.metric`, which the driver reads from every repeat's scores)
TIME_ATTRIBUTE = "epoch"  # epochs trained when a report is made: the schedulers' clock
SCORES = tuple(f"test_{metric}" for metric in (*METRICS, *INTERVAL_METRICS))  # each metric's column in trials.parquet and
# baselines.parquet (the interval metrics' NaN without `evaluation.levels`)
REPEAT_SCORES = "per_repeat"  # a final report's list of RepeatScores (one per repeat and origin), unless published as a part
REPEAT_MEANS = "repeat_means"  # each repeat's scores as lists, one per score: numbers Tune would analyse one by one in its driver
_DIAGNOSTIC_TEST = "diagnostic_test_rmse"  # a diagnostic report's per-repeat test RMSE, from a reset state
_DIAGNOSTIC_TRAIN = "diagnostic_train_rmse"
_PUBLISHED = "forecasts_published"  # a final report whose forecasts were written as the trial's part, not carried (and
# whose scores too, when it carries no `per_repeat` list: reports made before scores were published carry theirs)
NODE_ID = "node_id"  # the Ray node a trial ran on, added to its final report under Ray
_TUNE_DONE = "done"  # Tune sets it on the result at which a scheduler stops a trial (not on one cut by Ctrl-C)
_TUNE_TRIAL_ID = "trial_id"  # Tune adds the trial's id to every report
BASELINES = ("naive", "seasonal_naive", "ets", "arima")  # `evaluation.baselines`' names (trainables/baselines.py)


def score_column(metric: str) -> str:
    """The trials and baselines column holding a metric (`evaluation.metric`)."""
    return f"test_{metric}"


def tune_space(requests: Any, columns: Mapping[str, Any]) -> dict[str, Any]:
    """A Tune config (or param space): the request(s) under `TUNE_CONFIG_KEY` (a flat dict, or Tune's grid of them),
    and the point's axes (or Tune's `sample_from` of them) at the top level, where Tune's live table finds its columns."""
    return {TUNE_CONFIG_KEY: requests, **columns}


def repeat_seed(base_seed: int, point: Point, repeat: int) -> int:
    """A repeat's seed: a function of the base seed, the point and the repeat index, never of scheduling.

    Extension axes at their defaults do not count: the reference study's points keep their seeds.
    """
    point_digest = hashlib.sha256(json.dumps(canonical_point(typed_point(point)), sort_keys=True).encode()).digest()
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
    horizon: int = 1  # steps forecast from each cutoff (`evaluation.horizon`); 1 is the protocol's walk-forward
    levels: tuple[float, ...] = ()  # interval levels (`evaluation.levels`): with any, each repeat's MSIS and CRPS are scored
    validation: int = 0  # `early_stopping.validation`: the last observations of each training window held out to stop on; 0: off
    patience: int = 0  # `early_stopping.patience`: epochs without a lower validation loss that end the search

    def __post_init__(self) -> None:
        object.__setattr__(self, "point", typed_point(self.point))  # whoever built it: the grid's types, seeds and label

    def to_tune(self) -> dict[str, Any]:
        """The request as the flat dict of plain values Tune keeps under `TUNE_CONFIG_KEY` of the trial's config."""
        return asdict(self) | {"repeat_indices": list(self.repeat_indices), "series": list(self.series), "levels": list(self.levels)}

    def tune_config(self) -> dict[str, Any]:
        """The trial's whole Tune config, as a searcher suggests it: `tune_space` of this request and its point."""
        return tune_space(self.to_tune(), self.point)

    @staticmethod
    def axis_in(config: Mapping[str, Any], axis: str) -> Any:
        """An axis of the point a Tune trial config (`to_tune`) holds: for `tune.sample_from` columns."""
        return config[TUNE_CONFIG_KEY]["point"][axis]

    @classmethod
    def from_tune(cls, config: Mapping[str, Any]) -> TrialRequest:
        """Rebuild from a Tune trial's config. A field added since a sweep began (`horizon`, `levels`) takes its default,
        so an experiment stored by an earlier version still resumes; a missing required key is the driver's bug."""
        request = config[TUNE_CONFIG_KEY]
        missing = [item.name for item in fields(cls) if item.name not in request and item.default is MISSING]
        if missing:
            raise KeyError(f"trial config lacks {missing}; it holds {sorted(request)}")
        values = {item.name: request.get(item.name, item.default) for item in fields(cls)}
        tuples = {name: tuple(values[name]) for name in ("repeat_indices", "series", "levels")}
        return cls(**values | tuples)

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec.from_point(self.point, self.horizon)

    def compiled_shape(self, lengths: Sequence[int]) -> str:
        """What a worker compiles for this trial, as a key: the request but for what changes only values (epochs, seeds,
        which repeats, a race's round, patience, diagnostics), its series as their `lengths`. Trials with one key share
        compiled functions; two keys may name one shape the engine would share, never the reverse."""
        point = {axis: value for axis, value in self.point.items() if axis != "epochs"}
        only_values = dict.fromkeys(("base_seed", "race_round", "patience", "diagnostics_every"))
        shape = asdict(self) | only_values | {"point": point, "repeat_indices": len(self.repeat_indices), "series": list(lengths)}
        return json.dumps(shape, sort_keys=True, default=str)

    @property
    def preparation(self) -> dict[str, Any]:
        """How each window is prepared (`trainables.data.prepare`'s options): the point's input window, batch,
        deseasonalisation (a seasonal difference differences at the season's lag; STL takes out a seasonal part),
        normalisation and transform."""
        spec = self.spec
        seasonal_difference = spec.deseasonalise == "seasonal_difference"
        return {
            "difference_lag": self.season if seasonal_difference else self.difference_lag,
            "lags": spec.lags,
            "timesteps": spec.timesteps,
            "batch_size": self.batch_size,
            "stl_season": self.season if spec.deseasonalise == "stl" else None,
            "normalise": spec.normalise,
            "transform": spec.transform,
        }

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
    # the test window's forecasts: one-step, in order; with a horizon H, H per cutoff, cutoff-major (NaN past the window)
    forecasts: list[float] = field(default_factory=list)
    series: str = ""  # which of the trial's series
    test_msis: float = float("nan")  # with `evaluation.levels`: MSIS and CRPS from the repeat's own errors (`interval_scores`)
    test_crps: float = float("nan")
    epochs_chosen: int = 0  # with `early_stopping`: the epochs of lowest validation loss, which its final fit trained; else 0

    def without_forecasts(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "forecasts"}

    @classmethod
    def columns(cls) -> list[str]:
        """The fields a trials.parquet row takes from a repeat (all but the series and the forecasts)."""
        return [item.name for item in fields(cls) if item.name not in ("series", "forecasts")]


@dataclass(frozen=True)
class DiagnosticReport:
    """The protocol's diagnostic scores after `epoch` epochs, one per repeat, each from a reset state."""

    epoch: int
    test_rmse: list[float]
    train_rmse: list[float]

    def to_metrics(self) -> dict[str, Any]:
        return {
            TIME_ATTRIBUTE: self.epoch,
            SCHEDULER_METRIC: float(np.mean(self.test_rmse)),
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
    forecasts_published: bool = False  # the forecasts were written where the driver reads them, and left out of the report
    scores_published: bool = False  # so were the repeats' scores: the report carries their means, `repeats` is empty once
    # read back from Tune, and the trial's part holds them (`sweep.storage.forecast_parts`)

    FACTS = ("forecast_batch_size", NODE_ID)  # per-trial columns of trials.parquet, the same for each of its repeats

    @property
    def facts(self) -> dict[str, Any]:
        return {"forecast_batch_size": self.forecast_batch_size, NODE_ID: self.node_id}

    def scores_by_repeat(self, score: str, selection_origins: int) -> dict[int, pd.Series]:
        """Each repeat's `score` (a `SCORES` column) indexed by "series/origin": what a search compares, on the origins
        before `selection_origins` only (the later ones are held out of every decision)."""
        by_repeat: dict[int, dict[str, float]] = {}
        for row in self.repeats:
            if row.origin < selection_origins:
                by_repeat.setdefault(row.repeat, {})[f"{row.series}/{row.origin}"] = getattr(row, score)
        return {repeat: pd.Series(by_repeat[repeat], dtype=float) for repeat in sorted(by_repeat)}

    def on_node(self, node_id: str) -> FinalReport:
        return replace(self, node_id=node_id)

    def published(self) -> FinalReport:
        """The report once its repeats (scores and forecasts) are written as the trial's part: its metrics carry their means
        and none of its rows, so that Tune, which keeps every trial's last report in the driver, holds no row per repeat."""
        return replace(self, forecasts_published=True, scores_published=True)

    def with_repeats(self, repeats: list[RepeatScores]) -> FinalReport:
        """The report with the repeats its part holds, read back (`scores_published`)."""
        return replace(self, repeats=repeats, scores_published=False)

    def to_metrics(self) -> dict[str, Any]:
        diagnostic = self.last_diagnostic.to_metrics() if self.last_diagnostic else {}
        return diagnostic | {
            TIME_ATTRIBUTE: self.epoch,
            SCHEDULER_METRIC: float(np.mean([row.test_rmse for row in self.repeats])),
            "train_rmse": float(np.mean([row.train_rmse for row in self.repeats])),
            "fit_seconds": float(sum(row.fit_seconds for row in self.repeats)),
            "compile_seconds": float(sum(row.compile_seconds for row in self.repeats)),
            **({} if self.scores_published else {REPEAT_SCORES: [asdict(row) for row in self.repeats]}),
            REPEAT_MEANS: self.repeat_means(),
            **self.facts,
            _PUBLISHED: self.forecasts_published,
        }

    def repeat_means(self) -> dict[str, list]:
        """Each repeat's scores (means over its series and origins) as one list per score, beside the repeats' indices.
        Lists, not a scalar per repeat and score: Tune keeps a running analysis of every numeric metric of every trial
        in the driver (about 2.3 KiB each), which at 30 repeats was 414 KiB per trial; `tracker_scalars` gives the
        experiment trackers their scalars."""
        by_repeat: dict[int, list[RepeatScores]] = {}
        for row in self.repeats:
            by_repeat.setdefault(row.repeat, []).append(row)
        means = {score: [float(np.mean([getattr(row, score) for row in rows])) for rows in by_repeat.values()] for score in SCORES}
        return {"repeat": list(by_repeat)} | means

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, Any]) -> FinalReport | None:
        """The final report a trial's last metrics hold, or None if it never made one. A report that published its
        scores comes back without its repeats (`scores_published`): its part holds them."""
        if not is_final(metrics):
            return None
        return cls(
            epoch=metrics[TIME_ATTRIBUTE],
            repeats=[RepeatScores(**row) for row in metrics.get(REPEAT_SCORES, ())],
            forecast_batch_size=metrics["forecast_batch_size"],
            last_diagnostic=DiagnosticReport.from_metrics(metrics),
            node_id=metrics.get(NODE_ID),
            forecasts_published=bool(metrics.get(_PUBLISHED, False)),
            scores_published=REPEAT_SCORES not in metrics,
        )


def is_final(metrics: Mapping[str, Any]) -> bool:
    """Whether a report is a trial's final one: it carries its repeats, or says its part holds them."""
    return REPEAT_SCORES in metrics or bool(metrics.get(_PUBLISHED, False))


def trial_id(metrics: Mapping[str, Any]) -> str | None:
    """The id Tune gave the trial that made a report."""
    return metrics.get(_TUNE_TRIAL_ID)


def tracker_scalars(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A report as experiment trackers log it: without its list of repeats, and with each repeat's means as scalars
    (`repeat_<i>/test_rmse`, ...)."""
    kept = {key: value for key, value in metrics.items() if key not in (REPEAT_SCORES, REPEAT_MEANS)}
    means = metrics.get(REPEAT_MEANS, {})
    for position, repeat in enumerate(means.get("repeat", ())):
        kept |= {f"repeat_{repeat}/{score}": means[score][position] for score in SCORES}
    return kept


@dataclass(frozen=True)
class BaselineForecast:
    """One baseline at one origin: its forecasts of the test window, or why it has none (a baseline task's return)."""

    baseline: str
    origin: int
    forecasts: list[float]  # laid out as `RepeatScores.forecasts`; empty when the fit failed
    model: str  # the model order selection chose, in words
    error: str | None = None
    deviations: list[float] = field(default_factory=list)  # each forecast's predictive standard deviation (same layout)


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
    if is_final(metrics):
        return TrialStatus.COMPLETED
    if early_stopping and _DIAGNOSTIC_TEST in metrics and metrics.get(_TUNE_DONE):
        return TrialStatus.STOPPED
    return TrialStatus.UNFINISHED
