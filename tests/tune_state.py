"""What a sweep's Tune experiment folder says has finished, read as a test watching (or killing) a running sweep sees it."""

import json
import time
from pathlib import Path, PurePosixPath

import pyarrow.fs as pafs
from ray import tune

from trainables.contract import FinalReport


def finished_trials(experiment: Path | str, filesystem: pafs.FileSystem | None = None) -> dict[str, float]:
    """trial folder -> timestamp of its final report, for trials whose final report Tune has stored (in a local folder,
    or on `filesystem`: a bucket)."""
    filesystem = filesystem or pafs.LocalFileSystem()
    finished = {}
    for info in filesystem.get_file_info(pafs.FileSelector(str(experiment), recursive=True, allow_not_found=True)):
        if info.base_name != "result.json":
            continue
        with filesystem.open_input_stream(info.path) as stream:
            for line in stream.read().decode().splitlines():
                report = json.loads(line)
                if FinalReport.from_metrics(report) is not None:
                    finished[info.path.rsplit("/", 2)[-2]] = report["timestamp"]
    return finished


def saved_as_finished(experiment: Path | str, filesystem: pafs.FileSystem | None = None) -> dict[str, float]:
    """The trials Tune's saved experiment state records as finished, which a resume keeps (a trial whose final report
    reached storage after the state was saved runs again): trial folder -> timestamp of its final report."""
    try:
        analysis = tune.ExperimentAnalysis(str(experiment), storage_filesystem=filesystem)
    except Exception:  # noqa: BLE001 - no state saved yet, in whatever way Tune says so
        return {}
    folders = {PurePosixPath(trial.path).name for trial in analysis.trials if trial.status == "TERMINATED"}
    return {folder: stamp for folder, stamp in finished_trials(experiment, filesystem).items() if folder in folders}


def wait_for(condition, timeout: float = 240, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(interval)
