"""Racing's rules on stand-in scores with known means and noise: who is dropped, who never is, and the budget."""

import numpy as np
import pandas as pd

from sweep.racing import Race


def run_race(race: Race, means: list[float], noise: float, seed: int = 0, twin: dict[int, int] | None = None) -> Race:
    """Play a race to its end, each repeat scoring its point's mean plus noise; a twin copies another point's scores."""
    rng = np.random.default_rng(seed)
    assignments = race.first_round()
    while assignments:
        for point, repeats in assignments:
            if twin and point in twin:
                continue
            for repeat in repeats:
                race.record(point, repeat, pd.Series([means[point] + rng.normal(0, noise)], index=[0]))
        for point, original in (twin or {}).items():
            for point_, repeats in assignments:
                if point_ == point:
                    for repeat in repeats:
                        race.record(point, repeat, race.scores[original][repeat])
        assignments = race.next_round()
    return race


def test_clearly_worse_points_leave_after_the_first_round_and_the_leaders_run_to_the_end():
    race = run_race(Race(points=5, repeats=30, initial_repeats=5, round_repeats=5), [1.0, 1.0, 1.5, 2.0, 3.0], noise=0.05, twin={1: 0})
    assert race.dropped_after == {2: 1, 3: 1, 4: 1}  # five repeats each already separate them from the leader
    assert race.live == [0, 1] and race.scheduled[0] == race.scheduled[1] == 30
    assert race.fits == 2 * 30 + 3 * 5 and race.finished


def test_a_tied_point_is_never_dropped():
    """Point 1's scores are point 0's, repeat for repeat: whichever leads, the other is tied with it at every round."""
    race = run_race(Race(points=3, repeats=20, initial_repeats=4, round_repeats=4), [1.0, 1.0, 1.02], noise=0.2, twin={1: 0})
    assert 0 in race.live and 1 in race.live and race.scheduled[1] == 20


def test_close_points_stay_longer_than_far_ones():
    race = run_race(Race(points=3, repeats=30, initial_repeats=5, round_repeats=5), [1.0, 1.08, 2.0], noise=0.1, seed=3)
    assert race.dropped_after[2] == 1
    assert race.dropped_after.get(1, race.rounds) > 1  # needed more repeats to tell, or never told apart


def test_the_budget_holds_and_goes_to_the_leaders_first():
    race = run_race(Race(points=4, repeats=30, initial_repeats=5, round_repeats=5, max_fits=42), [1.0, 1.0, 1.0, 1.0], noise=0.1)
    assert race.fits == 42 and race.finished
    assert sorted(race.scheduled.values()) == [10, 10, 10, 12]  # two full rounds, then the last 2 fits to the leader
    assert all(len(race.scores[point]) == race.scheduled[point] for point in range(4))  # every repeat that ran is kept


def test_each_study_races_its_own_points_and_a_shared_point_stays_while_one_study_keeps_it():
    """Point 0 is shared: worse than point 1 in study A, but the leader of study B (against point 2)."""
    race = Race(points=3, repeats=15, initial_repeats=5, round_repeats=5, studies=[[0, 1], [0, 2]])
    race = run_race(race, [2.0, 1.0, 3.0], noise=0.05)
    assert race.dropped_after == {2: 1} and race.live == [0, 1]
