"""Series trained side by side score as if each trained alone."""

import numpy as np
import pytest

from trainables.contract import TrialRequest
from trainables.trainable import run_trial


@pytest.mark.parametrize("origins, window", [(1, "expanding"), (3, "expanding"), (2, "sliding")])
def test_series_trained_side_by_side_score_as_if_trained_alone(shampoo, origins, window):
    """Equal-length series share one compiled call as extra lanes; each lane is its own fit (float32 sums may reorder)."""
    other = shampoo[::-1] * 1.5 + 10

    def request(series):
        return TrialRequest(point={"epochs": 10, "batch_size": 4, "neurons": 1}, repeat_indices=(0, 1), base_seed=0, engine="compiled",
                            test_size=6, difference_lag=1, diagnostics_every=0, origins=origins, origin_step=6, window=window,
                            series=series)  # fmt: skip

    together = run_trial(request(("a", "b")), {"a": shampoo, "b": other}).repeats
    alone = run_trial(request(("a",)), {"a": shampoo}).repeats + run_trial(request(("b",)), {"b": other}).repeats
    assert [(row.series, row.repeat, row.origin) for row in together] == [(row.series, row.repeat, row.origin) for row in alone]
    assert len(together) == 2 * 2 * origins
    for joint, single in zip(together, alone):
        assert joint.seed == single.seed
        np.testing.assert_allclose(joint.forecasts, single.forecasts, rtol=1e-6)
