"""The sweep's results folder: refused when it would overwrite, checked when resuming."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from sweep.config import ConfigError, SweepConfig, parse_config
from sweep.storage import atomic_path

CONFIG_FILE = "config.yaml"  # the validated config, written when the sweep starts
WHERE_ONLY = ("name", "storage")  # where a sweep lives, not what it computes


def sweep_folder(config: SweepConfig, resume: bool, resume_command: str) -> Path:
    """`<storage>/<name>`, checked before anything runs; nothing is written here."""
    folder = Path(config.storage) / config.name
    if resume:
        if not (folder / CONFIG_FILE).is_file():
            raise ConfigError(f"cannot resume: {str(folder)!r} holds no sweep ({CONFIG_FILE} is missing)")
        saved = parse_config(yaml.safe_load((folder / CONFIG_FILE).read_text()), source=str(folder / CONFIG_FILE))
        differences = config_differences(saved.model_dump(), config.model_dump())
        if differences:
            raise ConfigError(
                "cannot resume: the config differs from the one the sweep started with: " + "; ".join(differences)
            )
        return folder
    if folder.exists():
        raise ConfigError(
            f"results folder {str(folder)!r} already exists; resume it with `{resume_command}` or choose another --name"
        )
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(f"`storage` ({config.storage!r}) is not writable: cannot create {str(folder)!r}")
    return folder


def save_config(folder: Path, config: SweepConfig) -> None:
    with atomic_path(folder / CONFIG_FILE) as temporary:
        temporary.write_text(yaml.safe_dump(config.model_dump(), sort_keys=False))


def config_differences(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """"`key` (saved -> current)" for every leaf that differs, ignoring where the sweep lives."""
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
