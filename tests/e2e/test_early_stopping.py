"""Tune's ASHA scheduler stops the worst trials on the diagnostic test RMSE; trials.parquet says so."""

import pyarrow.parquet as pq

from sweep.cli.run import main

ASHA = """\
name: asha
repeats: 1
engine: compiled
diagnostics: {every: 2}
scheduler: {type: asha, grace_period: 2, reduction_factor: 2}
studies:
  neurons: {epochs: [20], batch_size: [4], neurons: [1, 2, 3, 4]}
"""


def test_asha_stops_some_trials_and_marks_them(tmp_path, local_ray):
    (tmp_path / "asha.yaml").write_text(ASHA)
    assert main(["--config", str(tmp_path / "asha.yaml"), "--storage", str(tmp_path)]) == 0
    trials = pq.read_table(tmp_path / "asha" / "trials.parquet").to_pandas()
    assert len(trials) == 4
    stopped = trials[trials["status"] == "stopped"]
    completed = trials[trials["status"] == "completed"]
    assert len(stopped) > 0 and len(completed) > 0
    assert (stopped["epochs_trained"] < 20).all() and (stopped["epochs_trained"] % 2 == 0).all()
    assert (completed["epochs_trained"] == 20).all()
    assert stopped["fit_seconds"].isna().all() and stopped["test_rmse"].notna().all()
