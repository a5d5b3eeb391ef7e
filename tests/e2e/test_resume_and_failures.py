"""Nothing lost: an interrupted sweep says how to resume; a dying worker is retried or recorded as failed (a sweep killed
with its whole cluster resumes: tests/e2e/test_cluster.py)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from tune_state import finished_trials, saved_as_finished, wait_for

from sweep.cli.run import main
from sweep.storage.forecast_parts import PARTS_FOLDER

KERAS_SWEEP = """\
name: {name}
engine: keras
repeats: {repeats}
seed: 11
max_failures: {max_failures}
studies:
  s: {{epochs: [{epochs}], batch_size: [4], neurons: [1, 2]}}
"""


def write_config(folder: Path, name: str, epochs: int = 20, max_failures: int = 2, repeats: int = 3) -> Path:
    config = folder / f"{name}.yaml"
    config.write_text(KERAS_SWEEP.format(name=name, epochs=epochs, max_failures=max_failures, repeats=repeats))
    return config


def start_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    """The CLI in its own session, so it and the Ray it starts can be killed together, as in a crash."""
    command = [sys.executable, "-m", "sweep.run", *args, "--num-cpus", "1"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)


EARLY_STOPPED = """\
name: asha
engine: keras
repeats: 2
diagnostics: {every: 1}
scheduler: {type: asha, grace_period: 1000, reduction_factor: 2}
studies: {s: {epochs: [2000], batch_size: [4], neurons: [1, 2]}}
"""


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    """Ctrl-C once a trial has reported a diagnostic epoch, early stopping on: the cut trial is unfinished (not stopped
    by the scheduler), the CLI ends in 130 saying how to resume, and nothing is summarised. The CLI, given no address,
    runs while Ray's temp folder records a dead cluster: it starts a local Ray all the same (`ray.init()` would join
    the recorded cluster and retry a dead one forever)."""
    ray_tmp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: Ray's socket paths must fit in 107 bytes
    (ray_tmp / "ray").mkdir()
    (ray_tmp / "ray" / "ray_current_cluster").write_text("127.0.0.1:9")  # nobody listens there
    config = tmp_path / "asha.yaml"
    config.write_text(EARLY_STOPPED)
    environment = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"} | {"RAY_TMPDIR": str(ray_tmp)}
    driver = start_cli("--config", str(config), "--storage", str(tmp_path), env=environment)
    reports = tmp_path / "asha" / "tune"
    wait_for(lambda: any(len(path.read_text().splitlines()) >= 2 for path in reports.glob("*/result.json")))
    driver.send_signal(signal.SIGINT)
    stdout, stderr = driver.communicate(timeout=120)
    shutil.rmtree(ray_tmp, ignore_errors=True)
    assert driver.returncode == 130, stdout[-2000:] + stderr[-3000:]
    assert "ray: started a local Ray (1 node(s), 1 CPUs, 0 GPUs)" in stdout
    resume = f"python -m sweep.run --config {config} --storage {tmp_path} --name asha --resume"
    assert f"trials unfinished, nothing computed is lost; resume with:\n  {resume}\n" in stderr
    assert not (tmp_path / "asha" / "trials.parquet").exists()


def test_resume_with_a_changed_config_is_refused(tmp_path, capsys):
    config = write_config(tmp_path, "changed")
    (tmp_path / "changed").mkdir()
    (tmp_path / "changed" / "config.yaml").write_text(
        KERAS_SWEEP.format(name="changed", epochs=30, max_failures=2, repeats=5)
        + "evaluation: {season: 12}\n"  # a saved config holds the season inferred from the dates
    )
    assert main(["--config", str(config), "--storage", str(tmp_path), "--resume"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: cannot resume: the config differs from the one the sweep started with: "
        "`repeats` (5 -> 3); `studies.s.epochs` ([30] -> [20])"
    )


def test_resume_of_a_missing_sweep_is_refused(tmp_path, capsys):
    config = write_config(tmp_path, "never-ran")
    assert main(["--config", str(config), "--storage", str(tmp_path), "--resume"]) == 2
    assert capsys.readouterr().err.strip() == (f"error: cannot resume: '{tmp_path / 'never-ran'}' holds no sweep (config.yaml is missing)")


def trial_worker_pids() -> list[int]:
    """This test's Ray's trial workers: Ray retitles a function trainable's actor `ray::ImplicitFunc...`, and the
    session's Ray (`ray.init` here) runs its raylet, and the raylet its workers, as this process's descendants; another
    test's Ray running meanwhile is left alone."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().startswith(b"ray::ImplicitFunc") and descends_from(int(cmdline.parent.name), os.getpid()):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])  # the parent's pid
    return False


class TrialWorkerKiller(threading.Thread):
    """SIGKILLs the first trial worker this sweep starts, `after_seconds` into its fit; `killed` says whether it did.

    Workers alive when it starts (a previous sweep's, still exiting) are never taken for this sweep's.
    """

    def __init__(self, after_seconds: float):
        super().__init__(daemon=True)
        self.after_seconds, self.earlier, self.killed = after_seconds, set(trial_worker_pids()), False

    def new_workers(self) -> list[int]:
        return [pid for pid in trial_worker_pids() if pid not in self.earlier]

    def run(self) -> None:
        wait_for(self.new_workers, timeout=120)
        time.sleep(self.after_seconds)  # mid-fit: the worker has started training
        for pid in self.new_workers()[:1]:
            os.kill(pid, signal.SIGKILL)
            self.killed = True


def test_a_dying_worker_with_no_retries_left_is_recorded_as_failed(tmp_path, local_ray, capsys):
    """(A worker lost with retries left runs again: the node-loss test in tests/e2e/test_cluster.py.)"""
    config = write_config(tmp_path, "dying", epochs=15, max_failures=0, repeats=2)
    killer = TrialWorkerKiller(after_seconds=4)
    killer.start()
    assert main(["--config", str(config), "--storage", str(tmp_path)]) == 1
    killer.join()
    assert killer.killed, "no trial worker of this sweep was running to kill"
    trials = pq.read_table(tmp_path / "dying" / "trials.parquet").to_pandas()
    assert sorted(zip(trials["neurons"], trials["repeat"])) == [(n, r) for n in (1, 2) for r in range(2)]
    failed = trials[trials["status"] == "failed"]
    assert len(failed) == 1 and failed["test_rmse"].isna().all() and failed["failures"].item() == 1
    assert "died" in failed["error"].item().lower() or "actor" in failed["error"].item().lower()
    summary = pd.read_csv(tmp_path / "dying" / "summary.csv")
    assert sorted(summary["failed"]) == [0, 1]  # the failed count of the point that lost a repeat
    printed = capsys.readouterr()
    assert "error: 1 repeats failed after 0 retries" in printed.err
    assert re.search(r"^warning: trial neurons=\d r\d shampoo failed \(.+\); no retries left$", printed.out, re.MULTILINE)
    assert "Traceback" not in printed.out + printed.err


def fill(path: Path) -> None:
    """Write zeros to `path` until its filesystem is full."""
    with open(path, "wb") as file:
        try:
            while True:
                file.write(b"\0" * 2**20)
                file.flush()
        except OSError:
            pass


def test_a_full_disk_ends_the_sweep_in_one_error_and_resume_completes_it(tmp_path):
    """Results on a 64 MiB tmpfs mounted here (the suite runs as root, as CI does); once a trial has finished, a file
    fills it. Tune's snapshots then fail (one warning line, no traceback), the results cannot be written: one error line
    naming the folder and the cause, exit 3, no manifest (so nothing reads the results as complete). With the space
    freed, --resume completes the sweep, the trials saved before the disk filled not run again, each trial's forecasts
    in at most one part."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)], capture_output=True, text=True)
    assert mounted.returncode == 0, f"this test mounts a small tmpfs: run the suite as root, as CI does ({mounted.stderr.strip()})"
    try:
        config = tmp_path / "full.yaml"
        sweep = KERAS_SWEEP.format(name="full", epochs="10, 60", max_failures=2, repeats=2)
        config.write_text(sweep.replace("neurons: [1, 2]", "neurons: [1]"))
        experiment = disk / "full" / "tune"
        driver = start_cli("--config", str(config), "--storage", str(disk))
        wait_for(lambda: len(saved_as_finished(experiment)) >= 1, interval=1)
        fill(disk / "filler")
        stdout, stderr = driver.communicate(timeout=300)
        assert driver.returncode == 3, stdout[-2000:] + stderr[-3000:]
        assert "Traceback" not in stdout + stderr, stdout[-2000:] + stderr[-3000:]
        errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and "No space left on device" in errors[0] and f"at {disk / 'full'};" in errors[0], errors
        assert "warning: cannot save the sweep's state to" in stdout
        assert not (disk / "full" / "manifest.json").exists()
        before = saved_as_finished(experiment)
        assert before

        (disk / "filler").unlink()
        resumed = start_cli("--config", str(config), "--storage", str(disk), "--resume")
        stdout, stderr = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, stderr[-3000:]
        trials = pq.read_table(disk / "full" / "trials.parquet").to_pandas()
        assert sorted(zip(trials["epochs"], trials["repeat"])) == [(e, r) for e in (10, 60) for r in range(2)]
        assert (trials["status"] == "completed").all() and (disk / "full" / "manifest.json").is_file()
        after = finished_trials(experiment)
        assert {trial: after[trial] for trial in before} == before  # saved trials were not run again
        parts = {path.name for path in (experiment / PARTS_FOLDER).iterdir()}  # a trial that could not write carried its own
        assert parts and parts <= {f"{trial}.parquet" for trial in trials["trial_id"]}  # and a failed write left no temporary file
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=False)
