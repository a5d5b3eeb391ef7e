"""A sweep whose config, data and results live in object storage: an S3 API on loopback (moto's server), the keys in
the environment and the endpoint in the URIs or in AWS_ENDPOINT_URL, as a user (or the KubeRay recipe) gives them."""

import io
import threading

import numpy as np
import pandas as pd
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from s3_server import Relay, S3Endpoint
from tune_state import finished_trials, saved_as_finished, wait_for

from sweep.cli.forecast import main as forecast_main
from sweep.cli.run import main

CONFIG = """\
name: stored
repeats: 2
data: {{source: "{source}", test_size: 4}}
storage: "{storage}"
evaluation: {{baselines: [naive]}}
studies:
  units: {{epochs: [2], batch_size: [2], neurons: [1, 2]}}
"""


def test_config_and_data_read_from_and_results_written_to_s3_then_forecast_from_there(s3, local_ray, monkeypatch, capsys):
    filesystem = s3.filesystem()
    filesystem.create_dir("lake")
    months = pd.period_range("2021-01", periods=30, freq="M").astype(str)
    frame = pd.DataFrame({"month": months, "sales": 100 + np.cumsum(np.random.default_rng(2).normal(1, 4, 30))})
    with filesystem.open_output_stream("lake/sales.csv") as stream:
        stream.write(frame.to_csv(index=False).encode())
    storage = s3.uri("lake/sweeps")
    with filesystem.open_output_stream("lake/configs/stored.yaml") as stream:
        stream.write(CONFIG.format(source=s3.uri("lake/sales.csv"), storage=storage).encode())
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{s3.address}")  # an S3-compatible store's endpoint, as the recipe sets it
    assert main(["--config", "s3://lake/configs/stored.yaml"]) == 0
    printed = capsys.readouterr().out
    assert "note: season 12, inferred from monthly dates" in printed
    listed = filesystem.get_file_info(pafs.FileSelector("lake/sweeps/stored", recursive=True))
    written = {info.path.removeprefix("lake/sweeps/stored/") for info in listed}
    assert {"config.yaml", "data.json", "trials.parquet", "forecasts.parquet", "baselines.parquet", "summary.csv", "report.html",
            "units_boxplot.png"} <= written  # fmt: skip
    assert any(path.startswith("tune/") for path in written)  # Tune's experiment state, for --resume
    with filesystem.open_input_file("lake/sweeps/stored/trials.parquet") as stream:
        trials = pq.read_table(io.BytesIO(stream.read())).to_pandas()
    assert len(trials) == 2 * 2 and (trials["status"] == "completed").all()
    assert forecast_main(["--name", "stored", "--storage", storage, "--choice", "best"]) == 0
    with filesystem.open_input_stream("lake/sweeps/stored/forecast.csv") as stream:
        forecast = pd.read_csv(io.BytesIO(stream.read()))
    assert len(forecast) == 2 and (pd.to_datetime(forecast["next"]) == pd.Timestamp("2023-07-01")).all()


OUTAGE_SWEEP = """\
name: outage
engine: keras
repeats: 2
seed: 5
storage: "{storage}"
studies:
  s: {{epochs: [10, 60], batch_size: [4], neurons: [1]}}
"""


def test_a_store_that_stops_answering_mid_sweep_ends_in_one_error_and_resume_completes_it(s3, local_ray, tmp_path, capsys):
    """The store answers through a relay; once a trial's results are in the bucket the relay drops every connection and
    refuses new ones. The sweep ends in one error line (exit 3), no traceback, no manifest; with the store back, --resume
    completes it, the trials saved before not run again."""
    relay = Relay(s3.address)
    filesystem = s3.filesystem()
    filesystem.create_dir("outages")
    config = tmp_path / "outage.yaml"
    config.write_text(OUTAGE_SWEEP.format(storage=S3Endpoint(relay.address, s3.environment).uri("outages/sweeps")))
    experiment = "outages/sweeps/outage/tune"

    def cut_after_a_trial() -> None:
        wait_for(lambda: len(saved_as_finished(experiment, filesystem)) >= 1, interval=1)
        relay.cut()

    cutter = threading.Thread(target=cut_after_a_trial, daemon=True)
    cutter.start()
    status = main(["--config", str(config)])
    cutter.join()
    printed = capsys.readouterr()
    assert status == 3, printed.out[-2000:] + printed.err[-2000:]
    assert "Traceback" not in printed.out + printed.err
    errors = [line for line in printed.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Could not connect to server" in errors[0], errors
    assert "at s3://outages/sweeps/outage?endpoint_override=" in errors[0]  # the folder, with the endpoint it was given
    assert not filesystem.get_file_info("outages/sweeps/outage/manifest.json").is_file
    before = saved_as_finished(experiment, filesystem)
    assert before

    relay.restore()
    assert main(["--config", str(config), "--resume"]) == 0, capsys.readouterr().err[-3000:]
    with filesystem.open_input_file("outages/sweeps/outage/trials.parquet") as stream:
        trials = pq.read_table(io.BytesIO(stream.read())).to_pandas()
    assert sorted(zip(trials["epochs"], trials["repeat"])) == [(e, r) for e in (10, 60) for r in range(2)]
    assert (trials["status"] == "completed").all() and filesystem.get_file_info("outages/sweeps/outage/manifest.json").is_file
    after = finished_trials(experiment, filesystem)
    assert {trial: after[trial] for trial in before} == before  # saved trials were not run again
