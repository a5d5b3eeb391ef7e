"""The base of every config model, and the error bad input raises."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class ConfigError(ValueError):
    """Bad user input: the CLI prints it as one `error: ...` line and exits with status 2."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # inf and nan: never a setting

    @field_validator("*", mode="before")
    @classmethod
    def true_or_false_only_where_asked(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads `true` as 1 for a number (`gpus_per_trial: false` would be 0 GPUs): a YAML boolean is kept
        for the keys that take one and refused for the rest, not converted."""
        if _holds_a_boolean(value) and not _admits_a_boolean(cls.model_fields[info.field_name].annotation):
            raise ValueError(f"takes no true or false; received {value!r}")
        return value


def _admits_a_boolean(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if get_origin(annotation) is Literal:
        return any(isinstance(choice, bool) for choice in get_args(annotation))
    return any(_admits_a_boolean(argument) for argument in get_args(annotation))


def _holds_a_boolean(value: Any) -> bool:
    """A boolean, or a list holding one (a mapping is a section, whose own model checks its keys)."""
    if isinstance(value, list | tuple):
        return any(_holds_a_boolean(item) for item in value)
    return isinstance(value, bool)
