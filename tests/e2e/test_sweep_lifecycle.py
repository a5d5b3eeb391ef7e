"""Nothing lost, nothing clobbered: one run per sweep folder, any half-started folder recoverable,
no resume on other data, study names kept apart (Ctrl-C, and the Ray the user meant: tests/e2e/test_resume_and_failures.py)."""

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.cli.run import main, parse_args, resume_command
from sweep.config.loading import parse_config
from sweep.config.redaction import redact
from sweep.config.validation import ConfigError
from sweep.storage.folder import ResultsFolder
from sweep.storage.sweep_folder import claim, results_folder, save_start

TINY = """\
name: {name}
repeats: 2
studies:
  a: {{epochs: [2], batch_size: [4], neurons: [1]}}
  a_b: {{epochs: [3], batch_size: [4], neurons: [1]}}
"""


def tiny_config(folder: Path, name: str, **extra: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(TINY.format(name=name) + "".join(f"{key}: {value}\n" for key, value in extra.items()))
    return path


def test_a_second_run_of_the_same_sweep_is_refused_at_once(tmp_path, capsys):
    config = tiny_config(tmp_path, "busy")
    held = claim(ResultsFolder(str(tmp_path), "busy"))  # the first run, still going
    for extra in ([], ["--resume"]):
        assert main(["--config", str(config), "--storage", str(tmp_path), *extra]) == 2
        assert capsys.readouterr().err.strip() == (
            f"error: sweep folder '{tmp_path / 'busy'}' is in use by another run (pid {os.getpid()}); "
            "wait for it to end, or choose another --name"
        )
    held.release()
    other = claim(ResultsFolder(str(tmp_path), "busy"))  # released: the next run may claim it, and holds it in turn
    with pytest.raises(ConfigError, match=f"is in use by another run \\(pid {os.getpid()}\\)"):
        claim(ResultsFolder(str(tmp_path), "busy"))
    other.release()


def test_a_claim_is_released_when_its_process_dies(tmp_path):
    script = (
        "import sys, time; from sweep.storage.sweep_folder import claim; from sweep.storage.folder import ResultsFolder; "
        f"held = claim(ResultsFolder({str(tmp_path)!r}, 'x')); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(ConfigError, match=f"in use by another run \\(pid {holder.pid}\\)"):  # alive: it holds the folder
        claim(ResultsFolder(str(tmp_path), "x"))
    holder.kill()  # dies without releasing anything: the system drops its lock
    holder.wait()
    claim(ResultsFolder(str(tmp_path), "x")).release()


def test_resume_on_changed_data_is_refused_naming_the_file(tmp_path, capsys, shampoo):
    data = tmp_path / "sales.csv"
    data.write_text("month,sales\n" + "".join(f"2001-{i % 12 + 1:02d}-{i // 12 + 1:02d},{v}\n" for i, v in enumerate(shampoo)))
    config_path = tmp_path / "changed.yaml"
    config_path.write_text(TINY.format(name="changed") + f"data: {{source: {data}}}\n")
    config = parse_config({"name": "changed", "repeats": 2, "data": {"source": str(data)},
                           "studies": {"a": {"epochs": [2], "batch_size": [4], "neurons": [1]},
                                       "a_b": {"epochs": [3], "batch_size": [4], "neurons": [1]}}})  # fmt: skip
    save_start(results_folder(config.model_copy(update={"storage": str(tmp_path)})), config, shampoo)  # a started sweep
    data.write_text(data.read_text().replace(f",{shampoo[5]}\n", f",{shampoo[5] + 1}\n"))  # one value edited since
    assert main(["--config", str(config_path), "--storage", str(tmp_path), "--resume"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: cannot resume: `data.source` ('{data}') now holds other data than the sweep started on (36 ")
    assert error.endswith("restore the file or start a new --name")


def test_resume_auto_starts_a_missing_sweep_resumes_the_same_one_and_refuses_another(tmp_path, local_ray, capsys):
    """`--resume auto`: the one command a retried job repeats."""
    config = tiny_config(tmp_path, "job")
    command = ["--config", str(config), "--storage", str(tmp_path), "--resume", "auto"]
    assert main(command) == 0  # no folder yet: starts afresh
    first = pq.read_table(tmp_path / "job" / "trials.parquet").to_pandas()
    assert main(command) == 0  # the same config: resumes, every trial already finished
    again = pq.read_table(tmp_path / "job" / "trials.parquet").to_pandas()
    assert again["trial_id"].tolist() == first["trial_id"].tolist() and again["test_rmse"].tolist() == first["test_rmse"].tolist()
    capsys.readouterr()
    assert main([*command, "repeats=3"]) == 2  # another config: refused, naming the keys
    assert capsys.readouterr().err.strip() == (
        "error: cannot resume: the config differs from the one the sweep started with: `repeats` (2 -> 3)"
    )


def test_half_started_folders_start_afresh_and_study_names_stay_apart(tmp_path, local_ray, shampoo):
    """A folder killed before its config was saved holds nothing computed: a new run and a resume both start it.
    (The new run's data is a user's CSV, its value column named: a user file end to end.)"""
    (tmp_path / "fresh").mkdir()
    (tmp_path / "resumed").mkdir()
    (tmp_path / "resumed" / "data.json").write_text("{}")  # killed between the data fingerprint and the config
    user_csv = tmp_path / "sales.csv"
    pd.DataFrame({"month": np.arange(36), "sales": shampoo, "note": "x"}).to_csv(user_csv, index=False)
    fresh = tiny_config(tmp_path, "fresh", data=f"{{source: {user_csv}, value_column: sales}}")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["--config", str(fresh), "--storage", str(tmp_path)]) == 0
        assert main(["--config", str(tiny_config(tmp_path, "resumed")), "--storage", str(tmp_path), "--resume"]) == 0
    assert f"note: {tmp_path / 'resumed'} held nothing computed yet; the sweep starts afresh" in printed.getvalue()
    for name in ("fresh", "resumed"):
        trials = pq.read_table(tmp_path / name / "trials.parquet").to_pandas()
        assert trials.groupby("study").size().to_dict() == {"a": 2, "a_b": 2} and (trials["status"] == "completed").all()
        assert json.loads((tmp_path / name / "data.json").read_text())["observations"] == 36
    report = (tmp_path / "fresh" / "report.html").read_text()
    study_a = report.split("<h2>Study a</h2>")[1].split("<h2>")[0]
    assert 'alt="a_boxplot.png"' in study_a and "a_b_boxplot.png" not in study_a  # study a_b's figure is not study a's


@pytest.mark.parametrize(
    "storage, shown",
    [
        ("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/sweeps", "s3://***@bucket/sweeps"),
        (
            "s3://bucket/sweeps?region=eu-west-1&access_key=AKIA&secret_key=wJal",
            "s3://bucket/sweeps?region=eu-west-1&access_key=***&secret_key=***",
        ),
        ("gs://user@bucket/x", "gs://***@bucket/x"),
        ("results", "results"),
        ("/data/results", "/data/results"),
    ],
)
def test_credentials_in_a_storage_uri_are_never_shown(tmp_path, storage, shown):
    assert redact(storage) == shown
    config = parse_config({"name": "x", "storage": storage, "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}})
    assert config.redacted_dump()["storage"] == shown
    command = resume_command(parse_args(["--config", "c.yaml"]), config)
    assert f"--storage {shown} " in command


def test_saved_config_and_report_carry_no_credentials(tmp_path, shampoo):
    from sweep.reports import html as html_report

    secret = "s3://KEY:SECRET@bucket/x"
    config = parse_config({"name": "x", "storage": secret, "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}})
    folder = ResultsFolder(str(tmp_path), "x")
    save_start(folder, config, shampoo)
    page = html_report.render(config, {}, {}, {}, 0, 136.0, {}, "sales")
    for text in ((tmp_path / "x" / "config.yaml").read_text(), page):
        assert "SECRET" not in text and "s3://***@bucket/x" in text


def test_submit_refuses_to_upload_credentials(tmp_path, capsys):
    from sweep.cli.submit import main as submit

    config = tiny_config(tmp_path, "job")
    assert submit(["--address", "http://127.0.0.1:9", "--config", str(config), "--storage", "s3://KEY:TOPSECRET@bucket/x"]) == 2
    error = capsys.readouterr().err.strip()
    assert "TOPSECRET" not in error and error.startswith("error: `storage` ('s3://***@bucket/x') carries credentials")


def test_the_cluster_token_file_is_ignored_by_git_and_so_by_ray_uploads():
    root = Path(__file__).resolve().parents[2]
    ignored = subprocess.run(["git", "check-ignore", "-q", "docker/.env"], cwd=root)
    assert ignored.returncode == 0, "docker/.env (the cluster token) must be in .gitignore"


def test_tilde_in_storage_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ResultsFolder("~/sweeps", "x").path == f"{tmp_path}/sweeps/x"
