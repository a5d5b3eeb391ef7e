"""`evaluation.score: ensemble`: each configuration's median of its repeats is what the statistics compare, one score per
origin, tested as a baseline's is."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.loading import parse_config
from sweep.results.ensembles import scored_as_ensembles
from sweep.results.summary import study_statistics

ORIGINS = 6


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two configurations' trials (3 repeats at 6 origins, one repeat failed) and their ensembles: 2 units' median is
    lower than 1 unit's at every origin, though their single repeats overlap."""
    rng = np.random.default_rng(0)
    trials, ensembles = [], []
    for neurons, level in ((1, 1.0), (2, 0.9)):
        for origin in range(ORIGINS):
            for repeat in range(3):
                failed = neurons == 1 and origin == 0 and repeat == 2
                trials.append({"series": "s", "study": "units", "epochs": 10, "batch_size": 4, "neurons": neurons, "repeat": repeat,
                               "origin": origin, "status": "failed" if failed else "completed",
                               "test_mase": np.nan if failed else level + rng.normal(0, 0.2)})  # fmt: skip
            for k in (1, 3):
                ensembles.append({"series": "s", "study": "units", "epochs": 10, "batch_size": 4, "neurons": neurons, "origin": origin,
                                  "k": k, "repeats": 3, "mase": level + 0.01 * origin + (0.05 if k == 1 else 0)})  # fmt: skip
    return pd.DataFrame(trials), pd.DataFrame(ensembles)


def test_each_configuration_becomes_its_ensembles_score_per_origin_and_is_tested_over_origins():
    trials, ensembles = frames()
    scored = scored_as_ensembles(trials, ensembles, "mase")
    completed = scored[scored["status"] == "completed"]
    assert len(completed) == 2 * ORIGINS and (completed["repeat"] == 0).all() and list(scored.columns) == list(trials.columns)
    assert (scored["status"] == "failed").sum() == 1  # counted, never scored
    expected = ensembles[ensembles["k"] == 3].set_index(["neurons", "origin"])["mase"]
    pd.testing.assert_series_equal(completed.set_index(["neurons", "origin"])["test_mase"], expected, check_names=False)
    statistics = study_statistics(scored, "units", "mase")
    assert statistics["best"].tolist() == [False, True]  # 2 units: lower at every origin
    assert statistics.loc[statistics.index[0], "p_vs_best"] == pytest.approx(0.03125)  # signed-rank, 6 of 6 origins
    repeats = study_statistics(trials, "units", "mase")  # the protocol's: single repeats, van Elteren over origins
    assert repeats.loc[repeats.index[0], "p_vs_best"] > statistics.loc[statistics.index[0], "p_vs_best"]


@pytest.mark.parametrize(
    "evaluation, extra, message",
    [
        ({"score": "ensemble"}, {"repeats": 1}, "ranks the median of each configuration's repeats, and `repeats` is 1"),
        ({"score": "ensemble", "metric": "msis", "levels": [95]}, {}, "scores the median forecast by a point metric"),
        ({"score": "ensemble"}, {"search": {"type": "race"}}, "`search.type: race` decides on single repeats as they come"),
    ],
)
def test_an_ensemble_score_it_cannot_give_is_refused(evaluation, extra, message):
    with pytest.raises(Exception, match=message):
        parse_config({"name": "x", "evaluation": evaluation, "studies": {"s": {"epochs": [1], "batch_size": [4], "neurons": [1]}}} | extra)
