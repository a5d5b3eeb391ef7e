"""A study's grid: the values (or, for a search, the ranges) of each axis a configuration point takes."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import (
    Discriminator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    Tag,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)  # fmt: skip

from sweep.config.validation import StrictModel
from trainables import EXTENSION_DEFAULTS, TRANSFORMS


def _axis_default(axis: str):
    """An extension axis's grid default: the model's own default value, listed once (trainables/spec.py)."""
    return Field(default_factory=lambda: [EXTENSION_DEFAULTS[axis]])


def _values(item: type):
    """An axis's values: a list of at least one."""
    return Annotated[list[item], Field(min_length=1)]


Rate = Annotated[float, Field(ge=0, lt=1)]
RANGE_KINDS = ("uniform", "loguniform", "randint")
AXIS_TAGS = ("values", "range")  # the two forms of an axis, as they appear in pydantic's error locations


class Range(StrictModel):
    """An interval a search (`search.type: random | optuna`) draws an axis from, both ends included."""

    uniform: tuple[float, float] | None = None
    loguniform: tuple[PositiveFloat, PositiveFloat] | None = None
    randint: tuple[int, int] | None = None

    @model_validator(mode="after")
    def one_interval(self) -> Range:
        given = [kind for kind in RANGE_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            forms = ", ".join(f"{{{kind}: [low, high]}}" for kind in RANGE_KINDS)
            raise ValueError(f"must be one of {forms}; received {given}")
        if self.low > self.high or (self.low == self.high and self.kind != "randint"):
            raise ValueError(f"needs low below high for {self.kind}; received [{self.low}, {self.high}]")
        return self

    @model_serializer
    def as_written(self) -> dict:
        """Dumped as the user writes it (`{loguniform: [0.0001, 0.1]}`): saved configs and submitted jobs read back the same."""
        return {self.kind: [self.low, self.high]}

    @property
    def kind(self) -> str:
        return next(kind for kind in RANGE_KINDS if getattr(self, kind) is not None)

    @property
    def low(self) -> float:
        return getattr(self, self.kind)[0]

    @property
    def high(self) -> float:
        return getattr(self, self.kind)[1]


def _values_or_range(item: type):
    """An axis: the values a grid lists, or a range a search draws from."""
    return Annotated[
        Annotated[_values(item), Tag("values")] | Annotated[Range, Tag("range")],
        Discriminator(lambda given: "range" if isinstance(given, dict | Range) else "values"),
    ]


_COUNT = (("randint",), lambda low, high: low >= 1, ">= 1")
_FRACTION = (("uniform", "loguniform"), lambda low, high: low >= 0 and high < 1, ">= 0 and < 1")
_PENALTY = (("uniform", "loguniform"), lambda low, high: low >= 0, ">= 0")
_RATE = (("uniform", "loguniform"), lambda low, high: low > 0, "> 0")
# what a range of each axis that may have one must be: its kinds, and the bounds its ends must keep (in words)
RANGE_RULES = {"epochs": _COUNT, "neurons": _COUNT, "layers": _COUNT, "dropout": _FRACTION, "recurrent_dropout": _FRACTION,
               "l1": _PENALTY, "l2": _PENALTY, "learning_rate": _RATE}  # fmt: skip


class StudyGrid(StrictModel):
    """One named grid: every combination of the listed values is a configuration point.

    The first three axes are the study's; the rest are its proposed extensions, each defaulting to
    the study's own setting (`ModelSpec` in trainables/spec.py). With `search.type: random | optuna`
    the numeric axes in `RANGE_RULES` may be ranges instead.
    """

    epochs: _values_or_range(PositiveInt)  # passes over the training rows
    batch_size: _values(PositiveInt)  # rows per stateful batch
    neurons: _values_or_range(PositiveInt)  # LSTM units, in every layer
    layers: _values_or_range(PositiveInt) = _axis_default("layers")  # stacked LSTM layers
    lags: _values(PositiveInt) = _axis_default("lags")  # lag observations (differences) as features of each time step
    timesteps: _values(PositiveInt) = _axis_default("timesteps")  # time steps per sample
    dropout: _values_or_range(Rate) = _axis_default("dropout")  # dropped fraction of each LSTM layer's inputs
    recurrent_dropout: _values_or_range(Rate) = _axis_default("recurrent_dropout")  # dropped fraction of recurrent connections
    l1: _values_or_range(NonNegativeFloat) = _axis_default("l1")  # L1 penalty on LSTM kernels
    l2: _values_or_range(NonNegativeFloat) = _axis_default("l2")  # L2 penalty on LSTM kernels
    optimizer: _values(Literal["adam", "sgd", "rmsprop"]) = _axis_default("optimizer")
    learning_rate: _values_or_range(PositiveFloat) | None = None  # default: each optimizer's Keras default
    loss: _values(Literal["mse", "mae", "huber"]) = _axis_default("loss")
    # multi-step forecasts (`evaluation.horizon` > 1): the one-step model fed its own forecasts, or one output per step
    strategy: _values(Literal["recursive", "direct"]) = _axis_default("strategy")
    # one model per series, or one per repeat trained across every series of the sweep (a catalogue's global model)
    training: _values(Literal["local", "global"]) = _axis_default("training")
    # the season taken out before differencing: none, a difference at the season's lag, or STL's seasonal part
    deseasonalise: _values(Literal["none", "seasonal_difference", "stl"]) = _axis_default("deseasonalise")
    # min-max scale by the series' training window, or divide each input window by its last observed level
    normalise: _values(Literal["series", "window"]) = _axis_default("normalise")
    # a variance-stabilising transform, fitted on each origin's training window (Box-Cox's lambda too), applied first;
    # forecasts are mapped back (the median's back-transform is the median)
    transform: _values(Literal[TRANSFORMS]) = _axis_default("transform")

    @field_validator(*RANGE_RULES)
    @classmethod
    def range_fits_the_axis(cls, given, info: ValidationInfo):
        if not isinstance(given, Range):
            return given
        kinds, ends_fit, bounds = RANGE_RULES[info.field_name]
        if given.kind not in kinds:
            raise ValueError(f"takes a {' or '.join(kinds)} range; received {{{given.kind}: [{given.low}, {given.high}]}}")
        if not ends_fit(given.low, given.high):
            raise ValueError(f"range ends must be {bounds}; received [{given.low}, {given.high}]")
        return given

    def given(self, axes: list[str]) -> dict[str, list | Range]:
        """Each axis's values or range, an axis left out at the model's default."""
        return {axis: getattr(self, axis) or [EXTENSION_DEFAULTS[axis]] for axis in axes}

    def varied(self, axes: list[str]) -> list[str]:
        """The axes a search moves: ranges, and lists of more than one value."""
        return [axis for axis, values in self.given(axes).items() if isinstance(values, Range) or len(values) > 1]

    @property
    def ranges(self) -> dict[str, Range]:
        return {axis: getattr(self, axis) for axis in RANGE_RULES if isinstance(getattr(self, axis), Range)}


SIGNIFICANT_DIGITS = 3


def readable(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def draw(given: list | Range, rng: np.random.Generator):
    """One value of an axis: a choice among its listed values, or a draw from its range."""
    if not isinstance(given, Range):
        return given[int(rng.integers(len(given)))]
    if given.kind == "randint":
        return int(rng.integers(given.low, given.high + 1))
    if given.kind == "loguniform":
        return readable(float(np.exp(rng.uniform(np.log(given.low), np.log(given.high)))))
    return readable(float(rng.uniform(given.low, given.high)))
