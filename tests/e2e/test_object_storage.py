"""A sweep whose config, data and results live in object storage: an S3 API on loopback (moto's server), the keys in
the environment and the endpoint in the URIs or in AWS_ENDPOINT_URL, as a user (or the KubeRay recipe) gives them; the
store stops answering mid-sweep and the sweep resumes there."""

import io
import threading

import pandas as pd
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from s3_server import Relay, S3Endpoint
from tune_state import finished_trials, saved_as_finished, wait_for

from sweep.cli.forecast import main as forecast_main
from sweep.cli.run import main
from sweep.data.series import load_series

OUTAGE_SWEEP = """\
name: outage
engine: keras
repeats: 2
seed: 5
data: {{source: "{source}"}}
evaluation: {{baselines: [naive]}}
storage: "{storage}"
studies:
  s: {{epochs: [10, 40], batch_size: [4], neurons: [1]}}
"""


def test_a_store_that_stops_answering_mid_sweep_ends_in_one_error_and_resume_completes_it(s3, local_ray, monkeypatch, capsys):
    """The config and the data are read from the bucket (the endpoint in AWS_ENDPOINT_URL, as the KubeRay recipe sets
    it), the results written there through a relay; once a trial's results are in the bucket the relay drops every
    connection and refuses new ones. The sweep ends in one error line (exit 3), no traceback, no manifest; with the
    store back, --resume completes it, the trials saved before not run again, and the forecast reads the sweep from there
    (the naive baseline's: refitting an LSTM from stored results is the backtest tests')."""
    relay = Relay(s3.address)
    filesystem = s3.filesystem()
    filesystem.create_dir("outages")
    months = pd.period_range("2021-01", periods=36, freq="M").astype(str)
    frame = pd.DataFrame({"month": months, "sales": load_series("shampoo").values})
    with filesystem.open_output_stream("outages/sales.csv") as stream:
        stream.write(frame.to_csv(index=False).encode())
    storage = S3Endpoint(relay.address, s3.environment).uri("outages/sweeps")
    with filesystem.open_output_stream("outages/configs/outage.yaml") as stream:
        stream.write(OUTAGE_SWEEP.format(source=s3.uri("outages/sales.csv"), storage=storage).encode())
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{s3.address}")
    experiment = "outages/sweeps/outage/tune"

    def cut_after_a_trial() -> None:
        wait_for(lambda: len(saved_as_finished(experiment, filesystem)) >= 1, interval=1)
        relay.cut()

    cutter = threading.Thread(target=cut_after_a_trial, daemon=True)
    cutter.start()
    status = main(["--config", "s3://outages/configs/outage.yaml"])
    cutter.join()
    printed = capsys.readouterr()
    assert status == 3, printed.out[-2000:] + printed.err[-2000:]
    assert "note: season 12, inferred from monthly dates" in printed.out
    assert "Traceback" not in printed.out + printed.err
    errors = [line for line in printed.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Could not connect to server" in errors[0], errors
    assert "at s3://outages/sweeps/outage?endpoint_override=" in errors[0]  # the folder, with the endpoint it was given
    assert not filesystem.get_file_info("outages/sweeps/outage/manifest.json").is_file
    before = saved_as_finished(experiment, filesystem)
    assert before

    relay.restore()
    assert main(["--config", "s3://outages/configs/outage.yaml", "--resume"]) == 0, capsys.readouterr().err[-3000:]
    listed = filesystem.get_file_info(pafs.FileSelector("outages/sweeps/outage", recursive=True))
    written = {info.path.removeprefix("outages/sweeps/outage/") for info in listed}
    assert {"config.yaml", "data.json", "trials.parquet", "forecasts.parquet", "summary.csv", "report.html", "s_boxplot.png",
            "manifest.json", "baselines.parquet"} <= written  # fmt: skip
    with filesystem.open_input_file("outages/sweeps/outage/trials.parquet") as stream:
        trials = pq.read_table(io.BytesIO(stream.read())).to_pandas()
    assert sorted(zip(trials["epochs"], trials["repeat"])) == [(e, r) for e in (10, 40) for r in range(2)]
    assert (trials["status"] == "completed").all()
    after = finished_trials(experiment, filesystem)
    assert {trial: after[trial] for trial in before} == before  # saved trials were not run again
    assert forecast_main(["--name", "outage", "--storage", storage, "--method", "naive"]) == 0
    with filesystem.open_input_stream("outages/sweeps/outage/forecast.csv") as stream:
        forecast = pd.read_csv(io.BytesIO(stream.read()))
    assert forecast["naive"].tolist() == [frame["sales"].iloc[-1]]
    assert (pd.to_datetime(forecast["ds"]) == pd.Timestamp("2024-01-01")).all()
