"""The base of every config model, and the error bad input raises."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(ValueError):
    """Bad user input: the CLI prints it as one `error: ...` line and exits with status 2."""


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # inf and nan: never a setting
