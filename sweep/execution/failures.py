"""What fails while trials run, said in one line each rather than Tune's tracebacks: a trial whose worker died (a node
lost, a process killed), retried or given up; the storage refusing Tune's saved state (a full disk, a store that stopped
answering). Every trial's failure count comes from Tune's saved state, so the summary can say what was retried."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs
from ray import tune
from ray.tune import Callback

from sweep.execution.cluster import alive_nodes, environment_set


class FailureNotice(Callback):
    """One line when a trial fails: whether Tune retries it (`max_failures`) or records it as failed. The traceback
    stays in the trial's folder (error.txt) and its last line in trials.parquet's `error` column."""

    def on_trial_recover(self, iteration: int, trials: list, trial, **info) -> None:
        print(f"warning: trial {trial} failed ({error_line(trial)}); retrying it (failure {trial.num_failures})", flush=True)

    def on_trial_error(self, iteration: int, trials: list, trial, **info) -> None:
        print(f"warning: trial {trial} failed ({error_line(trial)}); no retries left", flush=True)


def error_line(trial) -> str:
    """The last line of the error Tune wrote for the trial, in the driver's copy of its folder (storage syncs later)."""
    try:
        lines = Path(trial.error_file).read_text().strip().splitlines() if trial.error_file else []
    except OSError:
        lines = []
    return lines[-1].strip() if lines else "no error text"


@contextlib.contextmanager
def quiet_trial_errors() -> Iterator[None]:
    """Tune logs each failed trial's whole traceback unless TUNE_PRINT_ALL_TRIAL_ERRORS is 0 when its controller starts."""
    with environment_set({"TUNE_PRINT_ALL_TRIAL_ERRORS": "0"}):
        yield


TUNE_STORAGE_LOGGERS = ("ray.tune.execution.experiment_state", "ray.train._internal.syncer", "ray.train._internal.storage")


class StorageNotice(logging.Filter):
    """Tune's errors about saving its state to storage, each a traceback, become one warning line per distinct reason;
    Tune keeps running the trials and saves again at its next snapshot."""

    def __init__(self, folder: str):
        super().__init__()
        self.folder, self.reasons = folder, set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage() + ("\n" + "".join(logging.Formatter().formatException(record.exc_info)) if record.exc_info else "")
        if "sync" not in text.lower() and "storage" not in text.lower():
            return True
        reason = error_reason(text)
        if reason not in self.reasons:
            self.reasons.add(reason)
            print(f"warning: cannot save the sweep's state to {self.folder} ({reason}); the trials go on, and Tune saves it again "
                  "when it can", flush=True)  # fmt: skip
        return False


def error_reason(text: str) -> str:
    """`OSError: [Errno 28] ... No space left on device` from a traceback's last line or from an error's repr in a message."""
    raised = re.findall(r"^(\w+(?:Error|Exception)): (.+)$", text, re.MULTILINE)
    if raised:
        return ": ".join(raised[-1])
    quoted = re.search(r"(\w+(?:Error|Exception))\((['\"])(.+?)\2\)", text)
    return f"{quoted[1]}: {quoted[3]}" if quoted else text.strip().splitlines()[-1]


@contextlib.contextmanager
def storage_notices(folder: str) -> Iterator[None]:
    notice = StorageNotice(folder)
    for name in TUNE_STORAGE_LOGGERS:
        logging.getLogger(name).addFilter(notice)
    try:
        yield
    finally:
        for name in TUNE_STORAGE_LOGGERS:
            logging.getLogger(name).removeFilter(notice)


def failures_by_trial(experiment: str, filesystem: pafs.FileSystem) -> dict[str, int]:
    """Tune's count of each trial's failures (its retries, plus the last one of a trial that failed), by the name of the
    trial's folder (a trial that failed before reporting has no trial id among its metrics)."""
    analysis = tune.ExperimentAnalysis(experiment, storage_filesystem=filesystem)
    return {PurePosixPath(trial.path).name: trial.num_failures for trial in analysis.trials}


def node_addresses() -> dict[str, str]:
    """The alive nodes' ids and addresses, to tell afterwards which left during the sweep."""
    return {node["NodeID"]: node["NodeManagerAddress"] for node in alive_nodes()}


def nodes_lost_since(before: dict[str, str], patience: float = 0.0) -> tuple[str, ...]:
    """The nodes of `before` no longer alive, each as `<id> at <address>` (the id's first 12 digits, as `ray status` shows).

    `patience`: seconds to wait for one to be declared lost. A node killed outright is declared dead only when its health
    checks have failed for a while, often after its trials were retried and the sweep ended."""
    deadline = time.monotonic() + patience
    while True:
        now = node_addresses()
        lost = tuple(f"{node_id[:12]} at {address}" for node_id, address in before.items() if node_id not in now)
        if lost or time.monotonic() >= deadline:
            return lost
        time.sleep(1)
