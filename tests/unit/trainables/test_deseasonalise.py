"""Deseasonalising before differencing: STL's seasonal part from each training window only, added back to forecasts."""

import numpy as np
import pytest

from trainables import TrialRequest, run_trial
from trainables.data import prepare

HORIZON = 3


def test_stl_takes_the_season_from_the_training_window_and_forecasts_add_it_back(shampoo):
    data = prepare(shampoo, 12, stl_season=12)
    np.testing.assert_allclose(data.to_observations(data.test[:, -1], data.test_target_index), shampoo[-12:], rtol=1e-5)
    targets = np.stack([data.test[:, -1]] * HORIZON, axis=-1)  # every step's scaled target as if each were step 1
    steps = data.to_step_observations(targets[None, :1], data.test_target_index)  # the first cutoff, its known difference 3 times
    assert steps.shape == (1, 1, HORIZON) and steps[0, 0, 0] == pytest.approx(shampoo[-12], rel=1e-5)
    fitted = data.seasonal.fitted
    assert len(fitted) == 24 and np.ptp(fitted) > 0
    np.testing.assert_array_equal(data.seasonal.at(np.arange(24, 40)), fitted[np.arange(12, 28) % 12 + 12])  # last season repeated
    changed = shampoo.copy()
    changed[24:] = 0.0
    np.testing.assert_array_equal(prepare(changed, 12, stl_season=12).seasonal.fitted, fitted)  # the test window plays no part
    np.testing.assert_allclose(data.raw + data.seasonal.at(np.arange(36)), shampoo)  # the model sees the adjusted series


def request(deseasonalise: str, training: str) -> TrialRequest:
    point = {"epochs": 3, "batch_size": 2, "neurons": 2, "deseasonalise": deseasonalise, "training": training}
    return TrialRequest(point=point, repeat_indices=(0,), base_seed=0, engine="compiled", test_size=8, difference_lag=1,
                        diagnostics_every=0, origins=2, origin_step=4, horizon=HORIZON, season=12, series=("a", "b"))  # fmt: skip


@pytest.mark.parametrize("deseasonalise, training", [("stl", "local"), ("stl", "global"), ("seasonal_difference", "global")])
def test_no_forecast_moves_when_the_observations_after_its_cutoff_change(shampoo, deseasonalise, training):
    catalogue = {"a": shampoo, "b": shampoo[::-1] + 100}
    changed = dict(catalogue, a=np.concatenate([shampoo[:-5], np.random.default_rng(0).uniform(100, 900, 5)]))
    before, after = (run_trial(request(deseasonalise, training), data).repeats for data in (catalogue, changed))
    assert request(deseasonalise, training).preparation["difference_lag"] == (12 if deseasonalise == "seasonal_difference" else 1)
    for old, new in zip(before, after):
        if old.series == "b" or old.origin == 0:
            np.testing.assert_array_equal(new.forecasts, old.forecasts)
            continue
        known = (8 - 6 + 1) * HORIZON  # the cutoffs before the change
        np.testing.assert_array_equal(new.forecasts[:known], old.forecasts[:known])
        assert not np.allclose(new.forecasts[known:], old.forecasts[known:], equal_nan=True)
