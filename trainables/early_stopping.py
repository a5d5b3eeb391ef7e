"""Early stopping on held-out data (`early_stopping: {validation: V, patience: P}`).

Each origin's training window loses its last V observations to a validation window: the repeats train on the rest
epoch by epoch (the same engine, seeds and initial weights as the final fit) and after every epoch walk forward through
the validation window, one step at a time as the test window is forecast. A repeat's validation loss is the mean squared
one-step error there, in the model's scaled units (a global repeat's: over every series it fits); its chosen epoch
count is the one of lowest loss, and its search ends once P epochs in a row have not lowered it (or at `epochs`),
whatever the repeats, origins and series trained beside it do (each lane stops on its own).
The final fit then trains each repeat from its initial weights on the whole training window for its own chosen epoch
count (`train_lanes`): the V most recent observations are the ones a forecast needs most, and short series cannot spare
them. Nothing of the test window is ever seen: the validation window lies inside the training window.
"""

from __future__ import annotations

import numpy as np

from trainables.data import PooledSeries, PreparedSeries, members_of, prepare


def validation_data(request, unit) -> PreparedSeries | PooledSeries:
    """One unit's (a window, or a global fit's windows at one origin) training windows, their last
    `request.validation` observations as the test rows, prepared as the final fit's are."""
    prepared = [
        prepare(window.values[window.origin.start : window.origin.test_start], request.validation, **request.preparation)
        for window in unit
    ]  # fmt: skip
    return PooledSeries.aligned(prepared) if len(prepared) > 1 else prepared[0]


def chosen_epochs(request, runs, data: list[PreparedSeries | PooledSeries]) -> np.ndarray:
    """Each weight lane's (origin-major, then repeat) epoch count of lowest validation loss; `runs` trains on `data`."""
    repeats = len(request.seeds)
    targets = np.stack([np.stack([member.test[:, -1] for member in members_of(item)]) for item in data])  # (D, S, V)
    best = np.full(len(data) * repeats, np.inf)
    chosen, waited = np.ones(len(best), dtype=int), np.zeros(len(best), dtype=int)
    searching = np.ones(len(best), dtype=bool)  # a lane out of patience has stopped: later epochs never move its choice
    for epoch in range(1, request.epochs + 1):
        runs.train(1)
        forecasts = runs.walk_forward()[1].reshape(len(data), targets.shape[1], repeats, -1)  # (D, S, R, V)
        loss = np.mean((forecasts - targets[:, :, None, :]) ** 2, axis=(1, 3)).reshape(-1)
        improved = searching & (loss < best)  # a NaN loss (diverged) never improves
        best, chosen = np.where(improved, loss, best), np.where(improved, epoch, chosen)
        waited = np.where(improved, 0, waited + 1)
        searching &= waited < request.patience
        if not searching.any():
            break
    return chosen
