"""What one configuration point asks of the model: the study's three axes plus its proposed extensions.

A point is a plain dict (what Tune's grid carries) holding every axis the sweep's studies use, each
value in its axis's declared type (`typed_point`): wherever a point comes from (the grid, a race,
Optuna, Tune's saved JSON, a table, a forecast) it is the same dict, so it has one seed, one label and
one file key. Its seed (`canonical_point`) leaves out extension axes at their defaults, so a point of
the reference study gets the same seeds whether or not the sweep also explores extensions.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, get_type_hints

POINT_AXES = ("epochs", "batch_size", "neurons")
OPTIMIZER_DEFAULT_RATES = {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001}  # Keras's defaults
LOSSES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "huber": "huber"}


@dataclass(frozen=True)
class ModelSpec:
    """The model a point asks for; each extension's default is the reference study's setting."""

    neurons: int  # LSTM units, in every layer
    layers: int = 1  # stacked LSTM layers, `neurons` units each
    lags: int = 1  # lag observations (differences) per time step, as input features
    timesteps: int = 1  # time steps per sample, each holding `lags` observations
    dropout: float = 0.0  # fraction of each LSTM layer's inputs dropped while training
    recurrent_dropout: float = 0.0  # fraction of the recurrent connections dropped while training
    l1: float = 0.0  # L1 penalty on each LSTM layer's input and recurrent kernels
    l2: float = 0.0  # L2 penalty on the same kernels
    optimizer: str = "adam"
    learning_rate: float | None = None  # None: the optimizer's Keras default
    loss: str = "mse"
    strategy: str = "recursive"  # multi-step forecasts: recursive (one output fed back) or direct (one output per step)
    training: str = "local"  # local: weights per series; global: one set of weights per repeat across the trial's series
    deseasonalise: str = "none"  # none, seasonal_difference (difference at the season's lag) or stl (STL's seasonal part out)
    normalise: str = "series"  # series: min-max scaled on the training window; window: each row divided by its last level
    transform: str = "none"  # none, log or box_cox: fitted on each origin's training window, applied before all else
    outputs: int = 1  # the Dense head's width: the horizon for a direct model, else 1 (set by the request, not an axis)

    @classmethod
    def from_point(cls, point: dict[str, Any], horizon: int = 1) -> ModelSpec:
        """The point's model; a direct one outputs every step of the `horizon` at once."""
        given = {axis: value for axis, value in point.items() if axis not in ("epochs", "batch_size")}
        return cls(**given, outputs=horizon if given.get("strategy") == "direct" else 1)

    @property
    def network(self) -> ModelSpec:
        """The spec without the axes that only change the data (what a compiled shape depends on)."""
        return replace(self, training="local", deseasonalise="none", normalise="series", transform="none")

    @property
    def window(self) -> int:
        """Past differences one sample sees: `timesteps` overlapping runs of `lags`."""
        return self.lags + self.timesteps - 1

    @property
    def rate(self) -> float:
        return self.learning_rate if self.learning_rate is not None else OPTIMIZER_DEFAULT_RATES[self.optimizer]

    @property
    def uses_dropout(self) -> bool:
        return self.dropout > 0 or self.recurrent_dropout > 0

    @property
    def mask_draws(self) -> tuple[int, int]:
        """Keras's dropout draws per layer call: (input masks, recurrent masks).

        With recurrent dropout Keras switches the cell to its per-gate implementation, one mask per gate.
        """
        per_mask = 4 if self.recurrent_dropout > 0 else 1
        return (per_mask if self.dropout > 0 else 0, per_mask if self.recurrent_dropout > 0 else 0)

    def layer_inputs(self, layer: int) -> int:
        return self.lags if layer == 0 else self.neurons

    def keras_optimizer(self):
        import keras

        classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
        # Named, not numbered by Keras (adam_1, adam_2, ...): the name reaches the compiled engine's HLO,
        # which XLA's persistent cache compares.
        return classes[self.optimizer](learning_rate=self.rate, name=self.optimizer)

    def keras_loss(self):
        """The per-sample loss; a direct model's averages it over the steps each training row has a target for."""
        import keras

        loss = keras.losses.get(LOSSES[self.loss])
        return loss if self.outputs == 1 else _over_known_targets(loss)

    def keras_regularizer(self):
        import keras

        return keras.regularizers.L1L2(l1=self.l1, l2=self.l2) if self.l1 or self.l2 else None


def _over_known_targets(loss):
    """`loss` over the targets that are known: the last training rows' later steps lie past the training window (NaN).

    An unknown target is replaced by the forecast itself (zero error), and the mean over steps rescaled to the known ones.
    """
    import keras

    def masked_loss(y_true, y_pred):
        known = keras.ops.logical_not(keras.ops.isnan(y_true))
        filled = keras.ops.where(known, y_true, keras.ops.stop_gradient(y_pred))
        steps = keras.ops.cast(keras.ops.shape(y_pred)[-1], y_pred.dtype)
        return loss(filled, y_pred) * steps / keras.ops.sum(keras.ops.cast(known, y_pred.dtype), axis=-1)

    return masked_loss


EXTENSION_DEFAULTS: dict[str, Any] = {item.name: item.default for item in fields(ModelSpec) if item.name not in ("neurons", "outputs")}
ALL_AXES = (*POINT_AXES, *EXTENSION_DEFAULTS)


def canonical_point(point: dict[str, Any]) -> dict[str, Any]:
    """The point without extension axes at their defaults (a learning rate equal to its optimizer's default included)."""
    optimizer = point.get("optimizer", EXTENSION_DEFAULTS["optimizer"])
    defaults = EXTENSION_DEFAULTS | {"learning_rate": OPTIMIZER_DEFAULT_RATES[optimizer]}
    return {axis: value for axis, value in point.items() if axis in POINT_AXES or value not in (defaults.get(axis), None)}


def _declared(annotation) -> type:
    """An axis's value type from its annotation (`float | None` is a float: None only asks for a default)."""
    if isinstance(annotation, types.UnionType):
        return next(item for item in annotation.__args__ if item is not type(None))
    return annotation


AXIS_TYPES: dict[str, type] = {"epochs": int, "batch_size": int} | {
    name: _declared(annotation) for name, annotation in get_type_hints(ModelSpec).items() if name != "outputs"
}


_KIND_WORDS = {int: "a whole number", float: "a number", str: "a name"}


def typed_point(point: Mapping[str, Any]) -> dict[str, Any]:
    """The point with every axis in its declared type and in the canonical axis order: 10.0 (a table's float, Tune's JSON)
    and numpy's 10 are the int 10, so the point has the grid's seeds, label and file key. A value its axis cannot
    hold (10.5 epochs, a missing value, an unknown axis) raises ValueError naming the axis."""
    unknown = sorted(set(point) - set(AXIS_TYPES))
    if unknown:
        raise ValueError(f"a point has no axis {unknown[0]!r}; the axes are {', '.join(AXIS_TYPES)}")
    return {axis: _typed(axis, point[axis]) for axis in ALL_AXES if axis in point}


def _typed(axis: str, value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value  # numpy and pandas scalars
    if value is None and axis == "learning_rate":
        return None  # the optimizer's default, filled in by the plan
    kind = AXIS_TYPES[axis]
    missing = value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"
    if missing or isinstance(value, bool) or (kind is str) != isinstance(value, str):
        raise ValueError(f"axis {axis!r} takes {_KIND_WORDS[kind]}; received {value!r}")
    if kind is int and not float(value).is_integer():
        raise ValueError(f"axis {axis!r} takes a whole number; received {value!r}")
    return kind(value)


def point_label(point: Mapping[str, Any], axes: list[str]) -> str:
    """The point's values on `axes` as the tables' columns name it: '1000/4/1'."""
    typed = typed_point(point)
    return "/".join(str(typed[axis]) for axis in axes)


def point_words(point: Mapping[str, Any]) -> str:
    """The point in words, its defaults left out: 'epochs 1000, batch_size 4, neurons 1, l2 1.0'."""
    return ", ".join(f"{axis} {value}" for axis, value in canonical_point(typed_point(point)).items())


def point_file_key(point: Mapping[str, Any]) -> str:
    """The point as a file name's stem: 'epochs1000_batch_size4_neurons1'."""
    return "_".join(f"{axis}{value}" for axis, value in canonical_point(typed_point(point)).items())
