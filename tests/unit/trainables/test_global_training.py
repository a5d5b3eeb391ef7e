"""Global training: one set of weights per repeat across series, each series its own stateful lanes and scaler."""

import numpy as np
import pytest

from trainables import TrialRequest, forecast_next, run_trial
from trainables.data import PooledSeries, prepare
from trainables.engines import compiled, keras_loop
from trainables.model import initial_state
from trainables.spec import ModelSpec

HORIZON = 3
ENGINES = {"compiled": compiled.CompiledRuns, "keras": keras_loop.KerasRuns}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_global_fit_on_copies_of_one_series_is_that_series_local_fit(shampoo, engine):
    """Copies add identical rows to every batch: the mean loss, hence every gradient step, is the single series' own."""
    spec = ModelSpec(neurons=2, training="global")
    data = prepare(shampoo, 12, batch_size=4)
    initial = [initial_state(spec, seed) for seed in (3, 4)]
    alone = ENGINES[engine](data, 4, spec, initial)
    untrained = alone.walk_forward()[1]
    alone.train(8)
    own = alone.walk_forward(), alone.rollout(HORIZON)  # (a compiled shape's weights are the next fit's to reset)
    assert not np.allclose(untrained, own[0][1], atol=1e-3)
    pooled = ENGINES[engine](PooledSeries((data, data, data)), 4, spec, initial)
    pooled.train(8)
    for single, copies in zip(own[0], pooled.walk_forward()):
        assert copies.shape == (3 * 2, *single.shape[1:])  # one lane per (series, repeat)
        np.testing.assert_allclose(copies, np.tile(single, (3, 1)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pooled.rollout(HORIZON), np.tile(own[1], (3, 1, 1)), rtol=1e-6, atol=1e-7)


def request(engine: str, strategy: str, training: str = "global") -> TrialRequest:
    point = {"epochs": 3, "batch_size": 2, "neurons": 2, "strategy": strategy, "training": training}
    repeats = (0, 1) if engine == "compiled" else (0,)  # the Keras loop is the reference for repeat 0
    return TrialRequest(point=point, repeat_indices=repeats, base_seed=0, engine=engine, test_size=8, difference_lag=1,
                        diagnostics_every=0, origins=2, origin_step=4, horizon=HORIZON, series=("long", "short"))  # fmt: skip


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_global_forecasts_are_the_keras_loops_and_none_moves_when_one_series_changes_after_its_cutoff(shampoo, strategy):
    """Series of different lengths pool their last windows (origins and cutoffs are positions from each end). Changing
    every observation of one series after a cutoff moves no forecast from that cutoff or before, of any series."""
    catalogue = {"long": shampoo, "short": shampoo[7:][::-1] * 0.5 + 40}
    steps_after = 6  # the change starts 5 observations before the end; the last origin's window starts 8 before
    changed = dict(catalogue, long=np.concatenate([shampoo[:-5], np.random.default_rng(0).uniform(100, 900, 5)]))
    before, after = (run_trial(request("compiled", strategy), data).repeats for data in (catalogue, changed))
    keras = run_trial(request("keras", strategy), catalogue).repeats  # repeat 0 only
    assert len(keras) == 2 * 2
    for keras_row in keras:
        compiled_row = next(row for row in before if (row.series, row.repeat, row.origin) == (keras_row.series, 0, keras_row.origin))
        np.testing.assert_allclose(compiled_row.forecasts, keras_row.forecasts, rtol=1e-4)
    assert [(row.series, row.repeat, row.origin) for row in before] == [
        (series, repeat, origin) for series in ("long", "short") for repeat in (0, 1) for origin in (0, 1)
    ]
    for old, new in zip(before, after):
        if old.series == "short" or old.origin == 0:  # nothing of it, or of what it trained on, changed
            np.testing.assert_array_equal(new.forecasts, old.forecasts)
            continue
        known = (8 - steps_after + 1) * HORIZON  # the cutoffs before the change, each HORIZON forecasts
        np.testing.assert_array_equal(new.forecasts[:known], old.forecasts[:known])
        assert not np.allclose(new.forecasts[known:], old.forecasts[known:], equal_nan=True)


def test_a_global_model_learns_from_every_series_a_local_one_from_its_own(shampoo):
    other = shampoo[::-1] * 1.5 + 10
    changed = other.copy()
    changed[:20] = np.random.default_rng(1).uniform(0, 500, 20)  # the other series' early training data only
    for training, moves in (("global", True), ("local", False)):
        before, after = (
            run_trial(request("compiled", "recursive", training), {"long": shampoo, "short": series}).repeats for series in (other, changed)
        )  # fmt: skip
        of_long = [(old.forecasts, new.forecasts) for old, new in zip(before, after) if old.series == "long"]
        assert all(not np.allclose(old, new, equal_nan=True) for old, new in of_long) == moves
        assert all(np.array_equal(old, new, equal_nan=True) for old, new in of_long) != moves


def test_a_global_winner_trains_once_across_the_series_and_forecasts_each(shampoo):
    point = {"epochs": 5, "batch_size": 4, "neurons": 1, "training": "global"}
    winner = TrialRequest(point=point, repeat_indices=(0, 1, 2), base_seed=0, engine="compiled", test_size=12, difference_lag=1,
                          diagnostics_every=0)  # fmt: skip
    copies = forecast_next(winner, {"a": shampoo, "b": shampoo.copy(), "c": shampoo[::-1] + 50}, 4)
    assert list(copies) == ["a", "b", "c"] and copies["a"].shape == (3, 4)
    np.testing.assert_allclose(copies["a"], copies["b"], rtol=1e-6)  # the same series, forecast by the same weights
    one_step = forecast_next(winner, {"a": shampoo, "b": shampoo.copy(), "c": shampoo[::-1] + 50})
    np.testing.assert_allclose(copies["c"][:, 0], one_step["c"], rtol=1e-5)
    with pytest.raises(ValueError, match="a local point forecasts one series at a time"):
        forecast_next(TrialRequest(**{**winner.__dict__, "point": point | {"training": "local"}}), {"a": shampoo, "b": shampoo})
