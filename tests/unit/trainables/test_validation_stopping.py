"""Early stopping on held-out data: the epoch count of lowest validation loss, chosen alike by both engines, then a final
fit of exactly that many epochs per repeat; the test window never seen."""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from trainables import TrialRequest, run_trial
from trainables.data import prepare
from trainables.early_stopping import chosen_epochs
from trainables.engines import keras_loop
from trainables.model import initial_state

EPOCHS, VALIDATION, PATIENCE = 30, 6, 3
POINT = {"epochs": EPOCHS, "batch_size": 2, "neurons": 4, "learning_rate": 0.05}  # fast enough to overfit within 30 epochs


def request(engine: str, **changes) -> TrialRequest:
    base = TrialRequest(point=POINT, repeat_indices=(0, 1), base_seed=4, engine=engine,
                        test_size=6, difference_lag=1, diagnostics_every=0, origins=1, validation=VALIDATION,
                        patience=PATIENCE)  # fmt: skip
    return replace(base, **changes)


@pytest.fixture(scope="module")
def stopped(shampoo):
    return {engine: run_trial(request(engine), shampoo).repeats for engine in ("compiled", "keras")}


def test_both_engines_choose_the_same_epochs_and_forecast_alike(stopped):
    compiled, keras = stopped["compiled"], stopped["keras"]
    assert [row.epochs_chosen for row in compiled] == [row.epochs_chosen for row in keras]
    assert all(1 <= row.epochs_chosen <= EPOCHS for row in compiled) and len({row.epochs_chosen for row in compiled}) > 1
    for ours, theirs in zip(compiled, keras):
        np.testing.assert_allclose(ours.forecasts, theirs.forecasts, rtol=1e-5)


def test_the_chosen_epochs_have_the_lowest_validation_loss_and_the_final_fit_trains_that_many(shampoo, stopped):
    for row in stopped["compiled"][:1]:  # by hand: the Keras loop on the training window less its last 6, epoch by epoch
        window = shampoo[: len(shampoo) - 6]
        data = prepare(window, VALIDATION, batch_size=2)
        runs = keras_loop.KerasRuns(data, 2, request("keras").spec, [initial_state(request("keras").spec, row.seed)])
        losses = []
        for _ in range(EPOCHS):
            runs.train(1)
            losses.append(np.mean((runs.walk_forward()[1][0] - data.test[:, -1]) ** 2))
        best, lowest = 1, losses[0]
        for epoch, loss in enumerate(losses[1:], start=2):  # the lowest loss seen before PATIENCE epochs pass without a lower
            if epoch - best > PATIENCE:
                break
            if loss < lowest:
                best, lowest = epoch, loss
        assert row.epochs_chosen == best
        full = prepare(shampoo, 6, batch_size=2)  # the final fit: the whole training window, `best` epochs, the same seed
        final = keras_loop.KerasRuns(full, 2, request("keras").spec, [initial_state(request("keras").spec, row.seed)])
        final.train(best)
        np.testing.assert_allclose(row.forecasts, full.to_observations(final.walk_forward()[1], full.test_target_index)[0], rtol=1e-5)


def test_no_forecast_moves_when_the_test_window_changes_and_the_validation_lies_before_it(shampoo, stopped):
    changed = shampoo.copy()
    changed[-6:] = np.random.default_rng(2).uniform(100, 900, 6)  # the test window
    after = run_trial(request("compiled"), changed).repeats
    for old, new in zip(stopped["compiled"], after):
        assert new.epochs_chosen == old.epochs_chosen  # the search never saw the test window
        assert new.forecasts[0] == old.forecasts[0]  # the walk-forward's first forecast knows none of it


def test_a_global_repeat_stops_once_for_every_series_it_fits_on_both_engines(shampoo):
    catalogue = {"a": shampoo, "b": shampoo[::-1] + 100}
    point = POINT | {"epochs": 12, "training": "global"}
    runs = {
        engine: run_trial(request(engine, point=point, origins=1, series=("a", "b")), catalogue).repeats for engine in ("compiled", "keras")
    }
    chosen = {(row.series, row.repeat): row.epochs_chosen for row in runs["compiled"]}
    assert chosen == {(row.series, row.repeat): row.epochs_chosen for row in runs["keras"]}
    assert all(chosen[("a", repeat)] == chosen[("b", repeat)] for repeat in (0, 1))  # one set of weights, one choice
    for ours, theirs in zip(runs["compiled"], runs["keras"]):
        np.testing.assert_allclose(ours.forecasts, theirs.forecasts, rtol=1e-5)


def test_each_lane_stops_on_its_own_whatever_trains_beside_it():
    """Two origins' lanes searched side by side: the first runs out of patience at epoch 6, and a lower loss it would
    reach at epoch 7 (while the second lane still searches) never moves its choice."""
    losses = np.array([[5, 4, 3, 3.5, 3.6, 3.7, 1, 1, 1, 1], [9, 8, 7, 6, 5, 4, 3, 2, 1.5, 1.2]])  # (lanes, epochs)

    class ScriptedRuns:
        epoch = 0

        def train(self, epochs):
            self.epoch += epochs

        def walk_forward(self):  # one validation row per lane whose squared error is the scripted loss
            return None, np.sqrt(losses[:, self.epoch - 1])[:, None]

    data = [SimpleNamespace(test=np.zeros((1, 2))) for _ in range(2)]  # two origins, one validation row each, target 0
    search = SimpleNamespace(seeds=[7], epochs=10, patience=3)
    assert chosen_epochs(search, ScriptedRuns(), data).tolist() == [3, 10]
