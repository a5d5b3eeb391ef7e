"""The sweep's results folder: refused when it would overwrite, checked when resuming."""

from __future__ import annotations

import yaml

from sweep.config import ConfigError, SweepConfig, parse_config
from sweep.storage import ResultsFolder

CONFIG_FILE = "config.yaml"  # the validated config, written when the sweep starts
WHERE_ONLY = ("name", "storage")  # where a sweep lives, not what it computes


def sweep_folder(config: SweepConfig, resume: bool, resume_command: str) -> ResultsFolder:
    """`<storage>/<name>`, checked before anything runs; nothing is written here."""
    folder = ResultsFolder(config.storage, config.name)
    try:
        exists, writable = folder.exists(), folder.writable()
    except OSError as error:
        raise ConfigError(f"`storage` ({config.storage!r}) cannot be reached: {error}") from None
    if resume:
        if not folder.exists(CONFIG_FILE):
            raise ConfigError(f"cannot resume: {str(folder)!r} holds no sweep ({CONFIG_FILE} is missing)")
        saved = parse_config(yaml.safe_load(folder.read_text(CONFIG_FILE)), source=f"{folder}/{CONFIG_FILE}")
        differences = config_differences(saved.model_dump(), config.model_dump())
        if differences:
            raise ConfigError("cannot resume: the config differs from the one the sweep started with: " + "; ".join(differences))
        return folder
    if exists:
        raise ConfigError(f"results folder {str(folder)!r} already exists; resume it with `{resume_command}` or choose another --name")
    if not writable:
        raise ConfigError(f"`storage` ({config.storage!r}) is not writable: cannot create {str(folder)!r}")
    return folder


def save_config(folder: ResultsFolder, config: SweepConfig) -> None:
    folder.write_bytes(CONFIG_FILE, yaml.safe_dump(config.model_dump(), sort_keys=False).encode())


def config_differences(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """ "`key` (saved -> current)" for every leaf that differs, ignoring where the sweep lives."""
    differences = []
    for key in dict.fromkeys([*saved, *current]):
        if not prefix and key in WHERE_ONLY:
            continue
        old, new = saved.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            differences += config_differences(old, new, f"{prefix}{key}.")
        elif old != new:
            differences.append(f"`{prefix}{key}` ({old!r} -> {new!r})")
    return differences
