"""Every shipped conf/*.yaml runs end to end in smoke mode, so none of them can rot unnoticed."""

import pyarrow.parquet as pq
import pytest

from sweep.config.loading import CONF_DIR, load_config
from sweep.config.smoke import SMOKE_REPEATS

SHIPPED = sorted(CONF_DIR.glob("*.yaml"))


@pytest.mark.parametrize("config_path", SHIPPED, ids=[path.name for path in SHIPPED])
def test_shipped_config_runs_in_smoke_mode(config_path, sweeps):
    results, _ = sweeps.shipped(config_path.name)
    config = load_config(config_path)
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    assert set(trials["study"]) == set(config.studies)
    assert (trials["status"] == "completed").all() and trials["repeat"].max() == SMOKE_REPEATS - 1
    assert (results / "report.html").is_file()
