"""What a sweep says about its failures: one line per cause, naming what was retried."""

import pandas as pd

from sweep.execution.failures import error_reason
from sweep.reports.console import retried_line


def test_the_retried_line_names_each_retried_trial_once_and_counts_its_failures():
    trials = pd.DataFrame({
        "neurons": [1, 1, 2, 2, 3], "repeat": [0, 0, 1, 1, 2], "origin": [0, 1, 0, 1, 0], "trial_id": ["a", "a", "b", "b", "c"],
        "status": ["completed", "completed", "completed", "completed", "failed"], "failures": [0, 0, 2, 2, 3],
    })  # fmt: skip
    assert retried_line(trials, ["neurons"]) == (
        "note: 1 trial(s) failed and completed on a retry (2 failure(s) in all; `failures` in trials.parquet): neurons=2 r1"
    )
    assert retried_line(trials.assign(failures=0), ["neurons"]) is None


def test_an_error_reason_is_the_exception_line_of_a_traceback_or_of_a_repr():
    traceback = "Saving failed:\nTraceback (most recent call last):\n  File 'x'\nOSError: [Errno 28] No space left on device\n"
    assert error_reason(traceback) == "OSError: [Errno 28] No space left on device"
    retrying = "The latest sync operation failed with the following error: OSError('[Errno 28] No space left on device')\nRetrying"
    assert error_reason(retrying) == "OSError: [Errno 28] No space left on device"
    assert error_reason("When listing objects: AWS Error NETWORK_CONNECTION") == "When listing objects: AWS Error NETWORK_CONNECTION"
