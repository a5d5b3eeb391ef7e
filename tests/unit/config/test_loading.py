"""Loading configs: a bare name found in conf/, the shipped configs valid, smoke mode keeping every study and axis."""

import pytest

from sweep.config.loading import CONF_DIR, load_config, resolve_config_path
from sweep.config.smoke import SMOKE_REPEATS, smoke_config


def test_smoke_mode_keeps_every_study_and_axis_and_cuts_the_cost():
    config = load_config("seed.yaml")
    smoke = smoke_config(config)
    assert smoke.name == "shampoo-seed-smoke" and smoke.repeats == SMOKE_REPEATS
    assert smoke.studies.keys() == config.studies.keys()
    assert smoke.studies["epochs"].epochs == [1, 2, 3, 4, 5]  # 500..6000 by rank: distinct, in order
    assert smoke.studies["batch"].epochs == smoke.studies["neurons"].epochs == [2]  # 1000 stays shared
    assert smoke.studies["neurons"].neurons == config.studies["neurons"].neurons


def test_bare_config_name_is_found_in_conf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_config_path("grid.yaml") == CONF_DIR / "grid.yaml"
    assert resolve_config_path("seed") == CONF_DIR / "seed.yaml"


@pytest.mark.parametrize("name", ["grid.yaml", "seed.yaml"])
def test_shipped_configs_are_valid(name):
    assert load_config(CONF_DIR / name).studies
