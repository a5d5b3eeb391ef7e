"""XLA's persistent compilation cache: each compiled shape kept on disk, so later sweeps load it instead of compiling.

TensorFlow writes one file per compiled function (to a temporary file, then renamed into place) and,
on loading, checks the stored HLO against the one it would compile, so any number of workers can
share the folder. Its entries do not record which TensorFlow or CPU built them: the folder's name
does, so an upgrade or a machine with other CPU features starts a fresh folder. Safe to delete.
"""

from __future__ import annotations

import hashlib
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CACHE_VARIABLE = "LSTM_SWEEP_XLA_CACHE"  # a folder, or "off"; unset: ~/.cache/lstm-sweep/xla
FLAG = "--tf_xla_persistent_cache_directory"


def cache_root() -> Path | None:
    setting = os.environ.get(CACHE_VARIABLE)
    if setting is None:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lstm-sweep" / "xla"
    return None if setting.strip().lower() in ("", "off", "0", "false", "no") else Path(setting).expanduser()


def cache_folder() -> Path | None:
    """This machine's folder for this TensorFlow, or None when the cache is off."""
    root = cache_root()
    if root is None:
        return None
    try:
        tensorflow = version("tensorflow")
    except PackageNotFoundError:
        tensorflow = "unknown"
    return root.resolve() / f"tf-{tensorflow}-{platform.machine()}-{_cpu_features()}"


def with_cache_flag(xla_flags: str) -> str:
    """`TF_XLA_FLAGS` with the cache folder added (a folder the user already set there wins)."""
    folder = cache_folder()
    if folder is None or FLAG in xla_flags:
        return xla_flags
    return f"{xla_flags} {FLAG}={folder}".strip()


def _cpu_features() -> str:
    """A short digest of the CPU's instruction-set flags: XLA compiles for the CPU it runs on."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        flags = next((line.split(":", 1)[1] for line in lines if line.startswith(("flags", "Features"))), "")
    except OSError:
        flags = ""
    described = " ".join(sorted(flags.split())) or f"{platform.processor()} {platform.machine()}"
    return hashlib.sha256(described.encode()).hexdigest()[:10]
