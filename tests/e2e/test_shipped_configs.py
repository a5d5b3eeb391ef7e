"""Every shipped conf/*.yaml runs end to end in smoke mode, so none of them can rot unnoticed."""

import pyarrow.parquet as pq
import pytest

from sweep.config.loading import CONF_DIR, load_config
from sweep.config.smoke import SMOKE_REPEATS, smoke_config

SHIPPED = sorted(CONF_DIR.glob("*.yaml"))


def test_smoke_mode_keeps_every_study_and_axis_and_cuts_the_cost():
    config = load_config("seed.yaml")
    smoke = smoke_config(config)
    assert smoke.name == "shampoo-seed-smoke" and smoke.repeats == SMOKE_REPEATS
    assert smoke.studies.keys() == config.studies.keys()
    assert smoke.studies["epochs"].epochs == [1, 2, 3, 4, 5]  # 500..6000 by rank: distinct, in order
    assert smoke.studies["batch"].epochs == smoke.studies["neurons"].epochs == [2]  # 1000 stays shared
    assert smoke.studies["neurons"].neurons == config.studies["neurons"].neurons


@pytest.mark.parametrize("config_path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_shipped_config_runs_in_smoke_mode(config_path, sweeps):
    results, _ = sweeps.shipped(config_path.name)
    config = load_config(config_path)
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert set(trials["study"]) == set(config.studies)
    assert (trials["status"] == "completed").all() and trials["repeat"].max() == SMOKE_REPEATS - 1
    assert (results / "report.html").is_file()
