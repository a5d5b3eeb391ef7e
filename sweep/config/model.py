"""The sweep's one typed config model, validated on load with errors that name the offending key."""

from __future__ import annotations

import re
import warnings
from typing import Literal

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveInt,
    field_validator,
    model_validator,
)  # fmt: skip

from sweep.config.grids import Range, StudyGrid
from sweep.config.redaction import has_credentials, redact
from sweep.config.validation import StrictModel
from trainables import BASELINES, INTERVAL_METRICS, METRICS, MSIS_LEVEL

FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # sweep and study names become file and folder names
RAY_RESOURCE_STEP = 0.0001  # Ray counts CPUs and GPUs in steps of this size


def _file_name(name: str) -> str:
    if not FILE_NAME.match(name):
        raise ValueError(f"must be a file name of letters, digits, '_', '-' and '.', starting with a letter or digit; received {name!r}")
    return name


class ConfigDeprecationWarning(UserWarning):
    """A key that still works under an old name; the CLI prints it as one `warning: ...` line."""


RENAMED_KEYS = {"data": {"lag": "difference_lag"}}  # section -> {old name: new name}


class DataConfig(StrictModel):
    # one series: a built-in data set name or a CSV/Parquet file; several: a list of those, a folder, a glob
    # (`sales/*.csv`), a built-in collection, or one file with a `series_column`
    source: str | list[str] = Field(default="shampoo", min_length=1)
    series_column: str | None = None  # long format: the column naming each row's series (neuralforecast's `unique_id`)
    # a series too short for the windows asked (or not positive, for normalise: window or a transform): refuse the sweep, or skip it
    short_series: Literal["refuse", "skip"] = "refuse"
    first_series: PositiveInt | None = None  # only the first N series, in the order loaded: a catalogue config tried cheaply
    value_column: str | None = None  # the column holding the series (default: the last one)
    # the column of dates that orders the rows; default: the first column, if it holds dates; false: file order
    date_column: str | Literal[False] | None = None
    date_format: str | None = None  # strftime codes, e.g. '%d/%m/%Y', for dates whose order of day and month is ambiguous
    test_size: PositiveInt = 12  # observations held out at the end of the series (the third year)
    difference_lag: PositiveInt = 1  # the series is differenced at this lag: 1 removes a trend, 12 a yearly season
    fill: Literal["error", "interpolate", "forward"] = "error"  # dates missing from a dated series: refuse, or fill them

    @model_validator(mode="before")
    @classmethod
    def accept_renamed_keys(cls, payload):
        return _renamed(payload, "data")

    @field_validator("source")
    @classmethod
    def sources_once(cls, source: str | list[str]) -> str | list[str]:
        with_credentials = [item for item in ([source] if isinstance(source, str) else source) if has_credentials(item)]
        if with_credentials:
            raise ValueError(
                f"({redact(with_credentials[0])!r}) carries credentials, which would be saved with the results; give them as "
                "the store expects them in the environment (for S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
            )
        if isinstance(source, list):
            repeated = sorted({name for name in source if source.count(name) > 1})
            if repeated:
                raise ValueError(f"lists {', '.join(map(repr, repeated))} more than once")
        return source

    @model_validator(mode="after")
    def long_format_is_one_file(self) -> DataConfig:
        if self.series_column is not None and isinstance(self.source, list):
            raise ValueError("`data.series_column` reads several series from one file; `data.source` must name that one file, not a list")
        return self

    @property
    def source_label(self) -> str:
        """`data.source` as one line for messages."""
        return self.source if isinstance(self.source, str) else ", ".join(self.source)


def _renamed(payload, section: str):
    """Move keys given under an old name to the new one, with a deprecation warning naming both."""
    if not isinstance(payload, dict):
        return payload
    for old, new in RENAMED_KEYS[section].items():
        if old not in payload:
            continue
        if new in payload:
            raise ValueError(f"`{section}.{old}` is the old name of `{section}.{new}`; give only `{new}`")
        message = f"`{section}.{old}` is now `{section}.{new}`; the old name will stop working"
        warnings.warn(message, ConfigDeprecationWarning, stacklevel=2)
        payload = {(new if key == old else key): value for key, value in payload.items()}
    return payload


class ResourcesConfig(StrictModel):
    cpus_per_trial: float = Field(default=1, ge=RAY_RESOURCE_STEP)  # Ray refuses less than 0.0001
    gpus_per_trial: float = Field(default=0, ge=0)  # fractions below 1 let several trials share one GPU
    # false: every trial in a fresh worker process. TensorFlow keeps each shape's compiled code for the life of the
    # process (~20 MiB a shape), so a reused worker grows with the distinct shapes it trains; a fresh one stays at one
    # shape's memory, at the cost of starting a worker and importing TensorFlow per trial (benchmarks/soak.py)
    reuse_workers: bool = True
    # a reused worker trains at most this many distinct compiled shapes, then a fresh worker takes its next trial (never
    # counted as a failure): TensorFlow frees no compiled code while its process lives, so this bounds a worker's memory
    # at about 850 MiB + 20 MiB a shape (benchmarks/soak.py; more with early stopping, which compiles a second); null: no
    # limit, and no `memory` in a trial's Ray resources (an autoscaler's node types must declare it otherwise)
    shapes_per_worker: PositiveInt | None = 16

    @field_validator("gpus_per_trial")
    @classmethod
    def gpus_whole_above_one(cls, gpus: float) -> float:
        if 0 < gpus < RAY_RESOURCE_STEP:
            raise ValueError(f"must be 0 or at least {RAY_RESOURCE_STEP} (Ray's smallest step); received {gpus!r}")
        if gpus > 1 and not float(gpus).is_integer():
            raise ValueError(f"must be a whole number above 1 (a fraction shares one GPU); received {gpus!r}")
        return gpus


class DiagnosticsConfig(StrictModel):
    every: NonNegativeInt = 0  # report the protocol's train/test RMSE every N epochs; 0 = off


class EvaluationConfig(StrictModel):
    """Where forecasts are scored, by which metric, and against which classical baselines."""

    origins: PositiveInt = 1  # forecast origins; 1 is the protocol exactly (the last test_size observations)
    step: PositiveInt | None = None  # observations between origins; default test_size (windows do not overlap)
    window: Literal["expanding", "sliding"] = "expanding"  # train on everything before an origin, or a fixed length
    # what the tables, box plots and statistics compare; msis and crps score each repeat's intervals (need `levels`)
    metric: Literal[(*METRICS, *INTERVAL_METRICS)] = "rmse"
    # MASE's seasonal naive lag and the seasonal baselines' season; default: from the dates' frequency (monthly 12,
    # quarterly 4, weekly 52, daily 7, hourly 24, yearly 1), or `data.difference_lag` for series without dates
    season: PositiveInt | None = None
    baselines: list[Literal[BASELINES]] = []  # classical methods scored on the same origins
    # steps forecast from every cutoff (each observation before a test one), with no observation after it; 1 is the
    # protocol's one-step walk-forward. Scores cover every (cutoff, step) inside the test window, and each step alone.
    horizon: PositiveInt = 1
    # prediction intervals (percent) from the backtest's own errors: conformal, each calibrated on the errors of the same
    # method, series and step known by its cutoff only; scored by coverage, MSIS (with 95) and the repeats' CRPS
    levels: list[float] = []
    # which intervals the tables score at `levels`: conformal (every method's, from its backtest errors: the LSTM's only
    # kind) and, with model, each baseline's own Gaussian interval beside it as "<baseline> (model)" (statsmodels' for ETS
    # and ARIMA, the analytic ones for naive and seasonal naive), as the anchors ship them
    intervals: list[Literal["conformal", "model"]] = ["conformal"]
    # the last K origins kept out of every decision (the statistics and robust choice, a race's rounds, Optuna's
    # objective, the confirmation, the forecast's choice); the chosen configurations and the baselines are scored on them
    # in holdout.csv: an estimate of how the choice does on data that did not choose it
    holdout: NonNegativeInt = 0
    # what ranks configurations: each repeat's score (the protocol's), or the score of the median of all of a
    # configuration's repeats (what `forecast` delivers): one score per series and origin, compared as a baseline's is
    score: Literal["repeat", "ensemble"] = "repeat"

    @field_validator("intervals")
    @classmethod
    def conformal_and_maybe_model(cls, intervals: list[str]) -> list[str]:
        if "conformal" not in intervals or len(set(intervals)) < len(intervals):
            raise ValueError(
                f"must be [conformal] or [conformal, model] (conformal intervals are the LSTM's; model adds the baselines' "
                f"own beside theirs); received {intervals}"
            )
        return intervals

    @field_validator("levels")
    @classmethod
    def levels_are_percentages(cls, levels: list[float]) -> list[float]:
        outside = [level for level in levels if not 0 < level < 100]
        if outside:
            raise ValueError(f"must lie strictly between 0 and 100 (percent, e.g. [80, 95]); received {outside[0]!r}")
        if len(set(levels)) < len(levels):
            raise ValueError(f"lists a level more than once; received {levels}")
        return sorted(levels)

    @model_validator(mode="after")
    def interval_metric_has_levels(self) -> EvaluationConfig:
        if self.metric in INTERVAL_METRICS and not self.levels:
            raise ValueError(
                f"`evaluation.metric` {self.metric} scores each repeat's prediction intervals, and `evaluation.levels` lists "
                f"none: add levels: [80, {MSIS_LEVEL:g}]"
            )
        if "model" in self.intervals and not self.baselines:
            raise ValueError(
                "`evaluation.intervals` lists model (each baseline's own interval), and `evaluation.baselines` lists none: "
                "add baselines: [naive, seasonal_naive, ets, arima]"
            )
        if self.intervals != ["conformal"] and not self.levels:
            raise ValueError(
                "`evaluation.intervals` chooses how intervals are made, and `evaluation.levels` lists none: add levels: [80, 95]"
            )
        if self.metric == "msis" and MSIS_LEVEL not in self.levels:
            raise ValueError(
                f"`evaluation.metric` msis scores the {MSIS_LEVEL:g}% interval (M4's alpha 0.05), and `evaluation.levels` "
                f"({self.levels}) lacks it: add {MSIS_LEVEL:g}"
            )
        return self

    @field_validator("baselines")
    @classmethod
    def baselines_once(cls, baselines: list[str]) -> list[str]:
        repeated = sorted({name for name in baselines if baselines.count(name) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return baselines

    @model_validator(mode="after")
    def holdout_leaves_origins_to_choose_on(self) -> EvaluationConfig:
        if self.holdout >= self.origins:
            raise ValueError(
                f"`evaluation.holdout` ({self.holdout}) keeps the last {self.holdout} origins out of every decision, and "
                f"`evaluation.origins` is {self.origins}: no origin is left to choose on; set origins to {self.holdout + 1} or more"
            )
        return self

    @property
    def selection_origins(self) -> int:
        """The origins decisions are made on: all but the held-out last `holdout`."""
        return self.origins - self.holdout

    def season_for(self, data: DataConfig) -> int:
        return self.season or data.difference_lag

    def step_for(self, data: DataConfig) -> int:
        return self.step or data.test_size


class EarlyStoppingConfig(StrictModel):
    """Stop each repeat's training where the loss on held-out data is lowest (`trainables/early_stopping.py`)."""

    # the last observations of each origin's training window held out to stop on (never the test window); the final fit
    # then retrains on the whole window for the epoch count of lowest validation loss
    validation: PositiveInt
    patience: PositiveInt  # epochs in a row without a lower validation loss that end the search (at most `epochs`)


class SchedulerConfig(StrictModel):
    """Tune's ASHA early stopping on the diagnostic test RMSE; off unless configured."""

    type: Literal["asha"]
    grace_period: PositiveInt = 100  # epochs every trial trains before it may be stopped
    reduction_factor: float = Field(default=3, gt=1)  # 1/reduction_factor of trials go on at each rung


class TrackingConfig(StrictModel):
    """Experiment trackers that receive every trial: its config as params, its scores and each repeat's as metrics."""

    mlflow: bool = False  # one MLflow run per trial (Tune's MLflow logger; needs `pip install 'lstm-sweep[tracking]'`)
    mlflow_tracking_uri: str | None = None  # default: MLFLOW_TRACKING_URI, else MLflow's own default
    mlflow_experiment: str | None = None  # default: the sweep's name


SERIES_PER_TRIAL = 8  # the compiled engine's default: 240 lanes at 30 repeats, and enough trials to keep a cluster busy
RACE_INITIAL_REPEATS = 10  # a race's default first round: at 5, more false drops and more reopened ties (benchmarks/race.py)


class SearchConfig(StrictModel):
    """How many repeats each point gets: all of `repeats` (grid), or as a race decides (sweep/search/race.py)."""

    type: Literal["grid", "race", "random", "optuna"] = "grid"
    initial_repeats: PositiveInt | None = None  # race: every point's first round; default 10, or `repeats` if fewer
    round_repeats: PositiveInt = 5  # race: more repeats per round for the points still tied with the leader
    max_fits: PositiveInt | None = None  # race: repeat-fits (per series) it may spend in all; None: no budget
    futility: float = Field(0.2, gt=0, lt=1)  # race: a tied point rests when the final test would call it with a lower chance
    num_samples: PositiveInt = 20  # random: points drawn per study; optuna: points suggested, each run with all `repeats`
    objective: Literal["mean", "median", "p75", "p90"] = "mean"  # optuna: the statistic of a point's repeats it minimises
    confirm: bool = False  # re-run each study's robust choice with `repeats` fresh seeds and report both means

    def initial_for(self, repeats: int) -> int:
        return self.initial_repeats or min(RACE_INITIAL_REPEATS, repeats)


class SweepConfig(StrictModel):
    name: str = Field(min_length=1)  # results go to <storage>/<name>
    storage: str = "results"  # folder for all outputs, or a pyarrow filesystem URI (s3://bucket/dir)
    data: DataConfig = DataConfig()
    engine: Literal["compiled", "keras"] = "compiled"  # compiled = one XLA function; keras = the study's fit loop
    repeats: PositiveInt = 30  # runs per configuration, each with its own seed and its own result row
    repeats_per_trial: PositiveInt | None = None  # repeats one Tune trial trains together (compiled: all; keras: 1)
    series_per_trial: PositiveInt | None = None  # series one Tune trial trains together, by length (compiled: 8; keras: 1)
    seed: NonNegativeInt = 0  # base seed; each repeat's seed derives from it, the point and the repeat index
    studies: dict[str, StudyGrid] = Field(min_length=1)  # identical points across studies run once
    resources: ResourcesConfig = ResourcesConfig()
    max_failures: NonNegativeInt = 2  # retries of a trial whose worker dies before it is recorded as failed
    diagnostics: DiagnosticsConfig = DiagnosticsConfig()
    scheduler: SchedulerConfig | None = None  # the study wants every repeat to run its epochs: off
    early_stopping: EarlyStoppingConfig | None = None  # stop each repeat where held-out data says (see "early_stopping")
    evaluation: EvaluationConfig = EvaluationConfig()
    search: SearchConfig = SearchConfig()
    tracking: TrackingConfig = TrackingConfig()

    @field_validator("name")
    @classmethod
    def name_is_a_folder_name(cls, name: str) -> str:
        return _file_name(name)

    @field_validator("studies")
    @classmethod
    def study_names_are_file_names(cls, studies: dict) -> dict:
        for name in studies:
            try:
                _file_name(name)
            except ValueError as error:
                raise ValueError(f"`studies` name {error}") from None
        return studies

    def redacted_dump(self) -> dict:
        """The config as saved and shown: credentials in a storage URI replaced by ***."""

        return self.model_dump() | {"storage": redact(self.storage)}

    @model_validator(mode="after")
    def reports_during_training_fit(self) -> SweepConfig:
        if self.scheduler is not None and self.diagnostics.every == 0:
            raise ValueError("`scheduler` needs `diagnostics.every` > 0: early stopping decides on the reports made during training")
        if self.early_stopping is not None:
            self._early_stopping_fits()
        if self.search.type == "race" and self.scheduler is not None:
            raise ValueError("`search.type: race` and `scheduler` both decide which trials go on; use one")
        self._ranges_fit_the_search()
        if self.search.type == "race" and self.search.initial_for(self.repeats) > self.repeats:
            raise ValueError(f"`search.initial_repeats` ({self.search.initial_repeats}) is more than `repeats` ({self.repeats})")
        if self.evaluation.horizon > self.data.test_size:
            raise ValueError(
                f"`evaluation.horizon` ({self.evaluation.horizon}) is longer than `data.test_size` ({self.data.test_size}): "
                f"every step must be scored inside an origin's test window; set data.test_size={self.evaluation.horizon} or more"
            )
        for study, grid in self.studies.items():
            transforms = [kind for kind in grid.transform if kind != "none"]
            if transforms and "window" in grid.normalise:
                raise ValueError(
                    f"`studies.{study}.transform` lists {transforms[0]} and `normalise` lists window, which divides each row by "
                    f"its last level: after a {transforms[0]} that level is 0 or below for observations of 1 or less; give a "
                    f"study one of them"
                )
            if "direct" in grid.strategy and self.evaluation.horizon == 1:
                raise ValueError(
                    f"`studies.{study}.strategy` lists direct, which trains one output per forecast step, but "
                    f"`evaluation.horizon` is 1: set evaluation.horizon to the steps you forecast (e.g. 18 for monthly data)"
                )
        if self.evaluation.score == "ensemble":
            self._ensemble_score_fits()
        if self.evaluation.holdout and self.evaluation.step_for(self.data) < self.data.test_size:
            raise ValueError(
                f"`evaluation.holdout` needs origins whose test windows do not overlap, and `evaluation.step` "
                f"({self.evaluation.step}) is shorter than `data.test_size` ({self.data.test_size}): the origins chosen on would "
                f"score held-out observations; set step to {self.data.test_size} or more"
            )
        if self.evaluation.origins > 1 and self.diagnostics.every:
            raise ValueError(
                f"`diagnostics.every` ({self.diagnostics.every}) needs `evaluation.origins: 1`: the diagnostic curves follow one "
                f"training run per repeat, and with {self.evaluation.origins} origins there are {self.evaluation.origins}"
            )
        return self

    def _ensemble_score_fits(self) -> None:
        if self.repeats < 2:
            raise ValueError("`evaluation.score: ensemble` ranks the median of each configuration's repeats, and `repeats` is 1: "
                             "set repeats to 2 or more (30 for a verdict)")  # fmt: skip
        if self.evaluation.metric in INTERVAL_METRICS:
            raise ValueError(
                f"`evaluation.score: ensemble` scores the median forecast by a point metric, and `evaluation.metric` is "
                f"{self.evaluation.metric} (each repeat's own intervals): use rmse, mae, smape or mase (the ensemble's intervals "
                f"are in intervals.csv)"
            )
        if self.search.type in ("race", "optuna"):
            raise ValueError(
                f"`evaluation.score: ensemble` needs every repeat of a configuration before it can score it, and "
                f"`search.type: {self.search.type}` decides on single repeats as they come: use grid or random"
            )

    def _early_stopping_fits(self) -> None:
        if self.scheduler is not None or self.diagnostics.every:
            raise ValueError(
                "`early_stopping` trains each repeat twice (a search on held-out data, then the final fit), and `scheduler` and "
                "`diagnostics` follow one training run: use early_stopping without them"
            )
        fewest = min(grid.epochs.low if isinstance(grid.epochs, Range) else min(grid.epochs) for grid in self.studies.values())
        if self.early_stopping.patience > fewest:
            raise ValueError(
                f"`early_stopping.patience` ({self.early_stopping.patience}) is more than the fewest epochs a study trains "
                f"({fewest}): it could never stop a fit; set it to {fewest} or fewer"
            )

    def _ranges_fit_the_search(self) -> None:
        for study, grid in self.studies.items():
            for axis, given in grid.ranges.items():
                if self.search.type not in ("random", "optuna"):
                    raise ValueError(
                        f"`studies.{study}.{axis}` is a range ({{{given.kind}: [{given.low}, {given.high}]}}): ranges need "
                        f"`search.type: random` or `optuna`; a {self.search.type} lists values"
                    )
        if self.search.type == "optuna" and len(self.studies) > 1:
            raise ValueError(f"`search.type: optuna` searches one study; `studies` has {len(self.studies)} ({', '.join(self.studies)})")
        if self.search.type == "optuna" and self.repeats_per_trial is not None and self.repeats_per_trial < self.repeats:
            raise ValueError(
                f"`repeats_per_trial` ({self.repeats_per_trial}) must be left out with `search.type: optuna`: its objective is a "
                f"statistic of all of a point's repeats, so one trial runs them"
            )

    @property
    def max_epochs(self) -> int:
        return max(grid.epochs.high if isinstance(grid.epochs, Range) else max(grid.epochs) for grid in self.studies.values())

    @property
    def repeat_groups(self) -> list[list[int]]:
        """The repeats of one point, split into the groups that each Tune trial runs."""
        default = self.repeats if self.engine == "compiled" else 1
        size = self.repeats_per_trial or default
        return [list(range(start, min(start + size, self.repeats))) for start in range(0, self.repeats, size)]

    def series_groups(self, lengths: dict[str, int]) -> list[list[str]]:
        """The series, grouped by length (equal lengths train side by side), split into the groups each Tune trial runs."""
        size = self.series_per_trial or (SERIES_PER_TRIAL if self.engine == "compiled" else 1)
        by_length: dict[int, list[str]] = {}
        for name, length in lengths.items():
            by_length.setdefault(length, []).append(name)
        return [names[start : start + size] for names in by_length.values() for start in range(0, len(names), size)]
