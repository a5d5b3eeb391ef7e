"""`key=value` overrides from the command line, applied to a config and validated by the same model.

Dotted keys reach into sections (`data.source=sales.csv`, `studies.reference.epochs=[500,1000]`);
values are read as YAML, so `repeats=5` is a number, `evaluation.baselines=[naive,ets]` a list and
`scheduler=null` nothing.
"""

from __future__ import annotations

import yaml

from sweep.config.loading import parse_config
from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError

EXAMPLE = "e.g. repeats=5 or data.source=sales.csv"


def with_overrides(config: SweepConfig, overrides: list[str]) -> SweepConfig:
    if not overrides:
        return config
    payload = config.model_dump()
    for override in overrides:
        key, equals, text = override.partition("=")
        if not equals or not key.strip():
            raise ConfigError(f"command line: override {override!r} must be KEY=VALUE ({EXAMPLE})")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"command line: the value of `{key}` is not valid YAML: {getattr(error, 'problem', error)}") from None
        section = payload
        parts = key.strip().split(".")
        if parts[0] == "studies" and len(parts) > 2 and parts[1] not in payload["studies"]:
            raise ConfigError(
                f"command line: `{key}` names study {parts[1]!r}, which the config does not have (its studies: "
                f"{', '.join(payload['studies'])}); set a key of one of them, or give a new study whole: "
                f"'studies.{parts[1]}={{epochs: [...], batch_size: [...], neurons: [...]}}'"
            )
        for depth, part in enumerate(parts[:-1]):
            if section.get(part) is None:
                section[part] = {}
            section = section[part]
            if not isinstance(section, dict):
                raise ConfigError(f"command line: `{'.'.join(parts[: depth + 1])}` holds a value, not keys; `{key}` cannot be set")
        section[parts[-1]] = value
    return parse_config(payload, source="command line")
