"""A real race end to end on a local Ray: rounds suggested by a Tune Searcher, a hopeless point dropped
after the first round, every repeat that ran kept, fewer fits than the grid; then the robust choice
confirmed on fresh seeds."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sweep.config.loading import parse_config
from sweep.config.smoke import smoke_config
from sweep.config.validation import ConfigError

RACE = """\
name: race
repeats: 10
seed: 1
data: {source: shampoo}
search: {type: race, initial_repeats: 5, round_repeats: 5, confirm: true}
studies:
  rate: {epochs: [10], batch_size: [4], neurons: [1], optimizer: [sgd], learning_rate: [0.05, 0.1, 1000000.0]}
"""


@pytest.fixture(scope="module")
def race(sweeps):
    return sweeps.run(RACE)


def test_a_diverging_point_leaves_after_the_first_round_and_every_repeat_is_kept(race):
    results, printed = race
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    per_point = trials.groupby("learning_rate").agg(repeats=("repeat", "nunique"), last_round=("race_round", "max"))
    assert per_point.loc[1e6].tolist() == [5, 1]  # learning rate 1e6 diverges: out after round 1
    final_round = per_point["last_round"].max()
    for _, row in per_point.iterrows():  # five repeats a round, until a point leaves or reaches 10
        assert row["repeats"] == 5 * row["last_round"] and (row["repeats"] == 10) == (row["last_round"] == final_round == 2)
    assert len(trials) == per_point["repeats"].sum() < 3 * 10  # fewer repeat-fits than the grid's
    assert trials.groupby(["learning_rate", "repeat"])["race_round"].nunique().eq(1).all()
    summary = pd.read_csv(results / "summary.csv").set_index("learning_rate")
    assert summary.loc[1e6, "race_rounds"] == 1 and summary.loc[1e6, "diverged"]  # its scores are NaN: describe() counts none
    assert f"race: 2 rounds, {len(trials)} repeat-fits where the grid would spend 30" in printed
    assert "1000000.0 after round 1" in printed


def test_the_robust_choice_is_confirmed_on_fresh_seeds(race):
    results, printed = race
    confirmation = pd.read_csv(results / "confirmation.csv")
    summary = pd.read_csv(results / "summary.csv")
    chosen = summary[summary["robust_choice"].astype(bool)]
    assert len(confirmation) == len(chosen) == 1 and confirmation["learning_rate"].item() == chosen["learning_rate"].item()
    assert confirmation["confirmation_repeats"].item() == 10 and confirmation["selection_repeats"].item() == chosen["count"].item()
    assert confirmation["selection_mean"].item() == pytest.approx(chosen["mean"].item())
    assert confirmation["confirmation_mean"].item() != pytest.approx(chosen["mean"].item())  # other seeds, other scores
    assert "rate: robust choice 10/4/1/sgd/" in printed and " on 10 fresh seeds: mean " in printed


def test_a_race_and_early_stopping_are_refused_together():
    with pytest.raises(ConfigError, match="`search.type: race` and `scheduler` both decide"):
        parse_config({"name": "x", "search": {"type": "race"}, "diagnostics": {"every": 5}, "scheduler": {"type": "asha"},
                      "studies": {"s": {"epochs": [5], "batch_size": [4], "neurons": [1]}}})  # fmt: skip
    grid = {"s": {"epochs": [5], "batch_size": [4], "neurons": [1]}}
    with pytest.raises(ConfigError, match=r"`search.initial_repeats` \(5\) is more than `repeats` \(3\)"):
        parse_config({"name": "x", "repeats": 3, "search": {"type": "race", "initial_repeats": 5}, "studies": grid})
    assert parse_config({"name": "x", "repeats": 3, "search": {"type": "race"}, "studies": grid}).search.initial_for(3) == 3
    assert parse_config({"name": "x", "search": {"type": "race"}, "studies": grid}).search.initial_for(30) == 10
    smoke = smoke_config(parse_config({"name": "x", "search": {"type": "race", "initial_repeats": 10}, "studies": grid}))
    assert smoke.repeats == smoke.search.initial_repeats == 2  # a race's config runs in smoke mode too
