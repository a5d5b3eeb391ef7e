"""Held-out origins: no decision reads them, and the choice is scored there, per series and across the catalogue."""

import numpy as np
import pandas as pd
import pytest

from sweep.results.holdout import holdout_frame
from sweep.results.holdout_across import holdout_across_frame
from sweep.results.summary import study_statistics

SERIES, REPEATS, CHOSEN_ON = [f"s{index}" for index in range(8)], 6, 1  # origin 0 chooses, origin 1 is held out


def _frames(held_out_seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Trials (neurons 1 best on the origin chosen on), their ensembles and two baselines; the held-out origin's scores
    random from `held_out_seed`."""
    chosen_rng, held_rng = np.random.default_rng(0), np.random.default_rng(held_out_seed)
    level = {1: 0.6, 2: 0.8, 3: 1.0, "naive": 1.2, "ets": 0.7}

    def score(key, origin: int) -> float:
        return level[key] + chosen_rng.normal(0, 0.02) if origin == 0 else held_rng.uniform(0.3, 2.0)

    trials = pd.DataFrame([
        {"series": series, "study": "neurons", "epochs": 10, "batch_size": 4, "neurons": neurons, "repeat": repeat, "origin": origin,
         "status": "completed", "test_mase": score(neurons, origin)}
        for neurons in (1, 2, 3) for series in SERIES for repeat in range(REPEATS) for origin in (0, 1)
    ])  # fmt: skip
    ensembled = trials[trials["repeat"] == 0].assign(test_mase=lambda frame: frame["test_mase"] * 0.9)
    baselines = pd.DataFrame([
        {"series": series, "baseline": name, "origin": origin, "status": "completed", "test_mase": score(name, origin)}
        for name in ("naive", "ets") for series in SERIES for origin in (0, 1)
    ])  # fmt: skip
    return trials, ensembled, baselines


def _held_out(held_out_seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    trials, ensembled, baselines = _frames(held_out_seed)
    statistics = {
        series: {"neurons": study_statistics(trials[(trials["series"] == series) & (trials["origin"] < CHOSEN_ON)], "neurons", "mase")}
        for series in SERIES
    }  # fmt: skip
    per_series = holdout_frame(trials, baselines, statistics, "mase", CHOSEN_ON)
    across = holdout_across_frame(trials, ensembled, baselines, ["neurons"], "mase", CHOSEN_ON)
    return trials, per_series, across


def test_replacing_every_held_out_score_changes_no_choice_and_no_selection_number():
    _, per_series, across = _held_out(1)
    _, changed_per_series, changed_across = _held_out(2)
    for before, after in ((per_series, changed_per_series), (across, changed_across)):
        pd.testing.assert_frame_equal(before.drop(columns=before.columns[before.columns.get_loc("holdout_mean") :]),
                                      after.drop(columns=after.columns[after.columns.get_loc("holdout_mean") :]))  # fmt: skip
        assert not np.allclose(before["holdout_mean"], after["holdout_mean"])
    assert (per_series.loc[per_series["role"] == "chosen", "method"] == "1").all()


def test_across_series_the_one_choice_its_ensemble_and_the_baselines_are_judged_on_the_held_out_origin():
    trials, _, across = _held_out(1)
    assert across["method"].tolist() == ["1", "1 (ensemble)", "naive (baseline)", "ets (baseline)"]
    assert across["role"].tolist() == ["chosen", "ensemble", "baseline", "baseline"]
    chosen = trials[(trials["neurons"] == 1)]
    held = chosen[chosen["origin"] == 1].groupby("series")["test_mase"].mean()
    assert across.loc[0, "holdout_mean"] == pytest.approx(held.mean())
    assert across.loc[0, "selection_mean"] == pytest.approx(chosen.loc[chosen["origin"] == 0, "test_mase"].mean())
    ensemble = chosen[(chosen["origin"] == 1) & (chosen["repeat"] == 0)].set_index("series")["test_mase"] * 0.9
    assert across.loc[1, "holdout_mean"] == pytest.approx(ensemble.mean())
    assert (across["series"] == len(SERIES)).all() and (across["holdout_origins"] == 1).all()
    assert across["verdict"].tolist().count("best") == 1 and across["mean_rank"].sum() == pytest.approx(10)
