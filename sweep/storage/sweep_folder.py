"""A sweep folder's life: claimed by one run at a time, refused when it would overwrite, checked
when resuming (same config, same data), and recoverable from any state a crash can leave.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from sweep.config.loading import parse_config
from sweep.config.model import SweepConfig
from sweep.config.redaction import redact
from sweep.config.validation import ConfigError
from sweep.storage.folder import ResultsFolder
from sweep.storage.layout import CONFIG_FILE, DATA_FILE, TUNE_FOLDER

WHERE_ONLY = ("name", "storage")  # where a sweep lives, not what it computes
CLAIMS = Path(tempfile.gettempdir()) / "lstm-sweep-claims"  # one lock file per sweep folder used on this machine


@dataclass
class Claim:
    """An exclusive claim on a sweep folder, held for a `with` block (and dropped by the OS if the process dies in it)."""

    folder: ResultsFolder
    lock_file: Path
    handle: object

    def release(self) -> None:
        self.handle.close()

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def claim(folder: ResultsFolder) -> Claim:
    """Claim `<storage>/<name>` for this run, or refuse at once: a second run of the same sweep on this
    machine (a second resume, a second job on the same head node) would write into the same folder."""
    CLAIMS.mkdir(parents=True, exist_ok=True)
    lock_file = CLAIMS / f"{hashlib.sha256(f'{type(folder.filesystem).__name__}:{folder.path}'.encode()).hexdigest()[:32]}.lock"
    handle = open(lock_file, "a+")  # noqa: SIM115 - held open for the life of the claim
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ConfigError(
            f"sweep folder {str(folder)!r} is in use by another run ({holder}); wait for it to end, or choose another --name"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return Claim(folder, lock_file, handle)


def results_folder(config: SweepConfig) -> ResultsFolder:
    """`<storage>/<name>`; nothing is read or written yet."""
    return results_folder_at(config.storage, config.name)


def results_folder_at(storage: str, name: str) -> ResultsFolder:
    try:
        return ResultsFolder(storage, name)
    except (pa.ArrowInvalid, ValueError) as error:
        raise ConfigError(
            f"`storage` ({redact(storage)!r}) is neither a folder nor a filesystem URI pyarrow knows "
            f"(s3://, gs://, hdfs://, abfs://, file://): {redact(str(error))}"
        ) from None


def starts_afresh(folder: ResultsFolder, config: SweepConfig, resume: bool | str, resume_command: str) -> bool:
    """Whether the sweep starts afresh in its (claimed) folder, checked before anything runs.

    A folder holding nothing computed (a start killed before its config was saved) is started
    afresh, with or without --resume: no state ever needs deleting by hand. `resume="auto"` (a job
    that may be retried with one command) starts afresh where nothing was started and resumes a
    sweep of the same config; another config's sweep is refused with the keys that differ.
    """
    try:
        exists, started = folder.exists(), folder.exists(CONFIG_FILE)
        computed = started or folder.exists(TUNE_FOLDER)
    except OSError as error:
        raise ConfigError(f"`storage` ({redact(config.storage)!r}) cannot hold {str(folder)!r}: {redact(str(error))}") from None
    if resume == "auto":
        resume = started
    if resume and not exists:
        raise ConfigError(f"cannot resume: {str(folder)!r} holds no sweep ({CONFIG_FILE} is missing)")
    if resume and started:
        _check_same_config(folder, config)
        return False
    if computed and not started:
        raise ConfigError(f"{str(folder)!r} holds Tune results but no {CONFIG_FILE}; it was not made by lstm-sweep, choose another --name")
    if computed:
        differences = _differences_from_saved(folder, config)
        if differences:
            raise ConfigError(
                f"results folder {str(folder)!r} holds a sweep of another config ({'; '.join(differences)}); give this one its own --name"
            )
        raise ConfigError(f"results folder {str(folder)!r} already exists; resume it with `{resume_command}` or choose another --name")
    try:
        folder.check_writable()
    except OSError as error:
        raise ConfigError(f"`storage` ({redact(config.storage)!r}) cannot hold {str(folder)!r}: {error}") from None
    return True


def saved_config(folder: ResultsFolder) -> SweepConfig:
    """The config a sweep ran with, as saved when it started (its storage redacted)."""
    if not folder.exists(CONFIG_FILE):
        raise ConfigError(f"{str(folder)!r} holds no sweep ({CONFIG_FILE} is missing); check --name and --storage")
    return parse_config(yaml.safe_load(folder.read_text(CONFIG_FILE)), source=f"{folder}/{CONFIG_FILE}")


def _differences_from_saved(folder: ResultsFolder, config: SweepConfig) -> list[str]:
    return config_differences(saved_config(folder).model_dump(), config.model_dump())


def _check_same_config(folder: ResultsFolder, config: SweepConfig) -> None:
    differences = _differences_from_saved(folder, config)
    if differences:
        raise ConfigError("cannot resume: the config differs from the one the sweep started with: " + "; ".join(differences))


def save_start(folder: ResultsFolder, config: SweepConfig, series_values: dict[str, np.ndarray] | np.ndarray) -> None:
    """What the sweep runs on, then its config: a folder with a config always has its data fingerprint."""
    folder.write_bytes(DATA_FILE, json.dumps(data_fingerprint(series_values)).encode())
    folder.write_bytes(CONFIG_FILE, yaml.safe_dump(config.redacted_dump(), sort_keys=False).encode())


def data_fingerprint(series_values: dict[str, np.ndarray] | np.ndarray) -> dict:
    """Observations and sha256 of the series; of each series by name when there are several."""
    if isinstance(series_values, dict) and len(series_values) != 1:
        return {name: data_fingerprint(values) for name, values in series_values.items()}
    values = next(iter(series_values.values())) if isinstance(series_values, dict) else series_values
    values = np.ascontiguousarray(values, dtype=np.float64)
    return {"observations": len(values), "sha256": hashlib.sha256(values.tobytes()).hexdigest()}


def check_same_data(folder: ResultsFolder, series_values: dict[str, np.ndarray] | np.ndarray, source: str, action: str = "resume") -> None:
    """Refuse to resume (or forecast from) a sweep on other data than it ran on: scores would be mixed."""
    if not folder.exists(DATA_FILE):
        return  # a sweep started before fingerprints were kept
    saved, current = json.loads(folder.read_text(DATA_FILE)), data_fingerprint(series_values)
    if saved == current:
        return
    if "sha256" not in current or "sha256" not in saved:
        changed = sorted(set(saved) ^ set(current) | {name for name in set(saved) & set(current) if saved[name] != current[name]})
        raise ConfigError(
            f"cannot {action}: `data.source` ({source!r}) now holds other data than the sweep started on (series "
            f"{', '.join(map(repr, changed[:5]))}{' ...' if len(changed) > 5 else ''} differ, are new or are gone); restore "
            "the files or start a new --name"
        )
    raise ConfigError(
        f"cannot {action}: `data.source` ({source!r}) now holds other data than the sweep started on "
        f"({current['observations']} observations, sha256 {current['sha256'][:12]}; the sweep ran on "
        f"{saved['observations']}, sha256 {saved['sha256'][:12]}); restore the file or start a new --name"
    )


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
