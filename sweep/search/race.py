"""Racing: spend repeats where they decide something.

Every point starts with `initial_repeats` repeats. After each round, each study compares its points
still racing with the tables' own test (`versus_best`: rank-sum against the leader, Holm-adjusted):

- a point worse than the leader at level 0.05 / (the rounds a point can have) leaves the race. The
  Bonferroni split over rounds keeps the chance that a point truly tied with the leader is ever
  dropped at 5%, as in the grid; a test at 0.05 every round would drop one far more often.
- a point still tied gets `round_repeats` more only while its verdict at `repeats` repeats is open:
  if the difference seen so far held, the final test would call it with a chance of at least
  `futility` (`conditional_power`). Otherwise it is settled, tied, and rests; a later round whose
  leader moved can call on it again. A study's leader gets repeats while one of its rivals does.

The race ends when no point needs more, or `max_fits` repeat-fits are spent. A point shared by
several studies leaves only when every one of them drops it. `Race` is the rule alone (testable with
any scores); `RaceSearcher` runs it as a Tune `Searcher`, so progress, resume and clusters work as
for a grid.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ray.tune.search import Searcher

from sweep.config.model import SweepConfig
from sweep.planning.plan import SweepPlan, point_key
from sweep.planning.requests import trial_request
from sweep.results.statistics import conditional_power, versus_best
from sweep.results.verdicts import SIGNIFICANCE
from sweep.storage.forecast_parts import ForecastParts
from trainables import SCHEDULER_METRIC, score_column

Assignment = tuple[int, list[int]]  # (point index, the repeat indices a trial runs)


@dataclass
class Race:
    points: int
    repeats: int  # the most repeats any point gets
    initial_repeats: int
    round_repeats: int
    max_fits: int | None = None  # repeat-fits the race may spend; None: no budget
    futility: float = 0.2  # a tied point rests when the final test would call it with a lower chance than this
    studies: list[list[int]] = field(default_factory=list)  # each study's points; a point leaves when every study of its drops it
    live: list[int] = field(default_factory=list)  # points still racing
    scores: dict[int, dict[int, pd.Series]] = field(default_factory=dict)  # point -> repeat -> its scores by origin
    scheduled: dict[int, int] = field(default_factory=dict)  # point -> repeats given so far
    dropped_after: dict[int, int] = field(default_factory=dict)  # point -> the round after which it left
    rounds: int = 0  # rounds scheduled so far
    finished: bool = False

    def __post_init__(self) -> None:
        self.live = list(range(self.points))
        self.scores = {point: {} for point in range(self.points)}
        self.scheduled = dict.fromkeys(range(self.points), 0)
        self.studies = self.studies or [list(range(self.points))]

    @property
    def fits(self) -> int:
        return sum(self.scheduled.values())

    def first_round(self) -> list[Assignment]:
        return self._schedule({point: min(self.initial_repeats, self.repeats) for point in self.live})

    def record(self, point: int, repeat: int, scores: pd.Series) -> None:
        """One repeat's scores (indexed by origin, or by series and origin); a non-finite score is a diverged
        repeat. Scores of one repeat from several trials (one per group of series) add up."""
        known = self.scores[point].get(repeat)
        self.scores[point][repeat] = scores if known is None else pd.concat([known, scores])

    def fail(self, point: int) -> None:
        """A point whose trial failed after its retries leaves the race now."""
        if point in self.live:
            self.live.remove(point)
            self.dropped_after[point] = self.rounds

    @property
    def drop_level(self) -> float:
        """The Holm-adjusted p-value below which a point leaves: 0.05 split over the rounds a point can have."""
        return SIGNIFICANCE / most_rounds(self.repeats, self.initial_repeats, self.round_repeats)

    def next_round(self) -> list[Assignment]:
        """Drop the points worse than a leader, then give the open ones their next repeats; [] when the race is over."""
        tested = {point: self.samples(point) for point in self.live if self.scores[point]}
        kept, undecided = set(), set()  # kept: tied with a leader of one of its studies; undecided: final verdict still open
        for members in self.studies:
            racing = {point: tested[point] for point in members if point in tested}
            if len(racing) < 2:
                kept |= set(racing)
                continue
            verdicts = versus_best(racing)
            tied = verdicts[verdicts["best"] | (~verdicts["diverged"] & ~(verdicts["p_vs_best"] < self.drop_level))]
            kept |= set(tied.index)
            rivals = tied[~tied["best"]]
            unsettled = [point for point, row in rivals.iterrows() if self._open(row["p_unadjusted"], point, len(verdicts) - 1)]
            undecided |= set(unsettled) | (set(tied.index[tied["best"]]) if unsettled else set())
        for point in [point for point in self.live if point in tested and point not in kept]:
            self.live.remove(point)
            self.dropped_after[point] = self.rounds
        wanted = {point: min(self.round_repeats, self.repeats - self.scheduled[point]) for point in self.live if point in undecided}
        wanted = {point: count for point, count in wanted.items() if count > 0}
        if self.max_fits is not None:
            wanted = self._within_budget(wanted, tested)
        assignments = self._schedule(wanted)
        self.finished = not assignments
        return assignments

    def _open(self, p_value: float, point: int, comparisons: int) -> bool:
        """Whether the test at `repeats` repeats could still call the point different (`futility`)."""
        return conditional_power(p_value, len(self.scores[point]) / self.repeats, comparisons) >= self.futility

    def samples(self, point: int) -> pd.Series:
        """All of a point's scores so far, indexed by origin (the shape `versus_best` takes)."""
        return pd.concat(list(self.scores[point].values()))

    def _within_budget(self, wanted: dict[int, int], tested: dict[int, pd.Series]) -> dict[int, int]:
        """As many of the wanted repeats as the budget leaves, the leading points (lowest mean) first."""
        left = self.max_fits - self.fits
        granted = {}
        for point in sorted(wanted, key=lambda point: np.mean(tested[point]) if point in tested else np.inf):
            count = min(wanted[point], max(left, 0))
            if count:
                granted[point] = count
                left -= count
        return granted

    def _schedule(self, counts: dict[int, int]) -> list[Assignment]:
        if counts:
            self.rounds += 1
        assignments = []
        for point, count in counts.items():
            start = self.scheduled[point]
            assignments.append((point, list(range(start, start + count))))
            self.scheduled[point] = start + count
        return assignments


class RaceSearcher(Searcher):
    """Tune's side of a race: suggests one trial per (point, round, group of series), waits for a round to
    finish, then lets the race decide the next.

    `request_for(point, repeats, series, round)` makes a trial's config; `scores_of(result)` reads a
    finished trial's {repeat: scores by series and origin}, or None when it made no final report.
    """

    def __init__(
        self,
        race: Race,
        groups_for: Callable[[int], list[list[str]]],
        request_for: Callable[[int, list[int], list[str], int], dict],
        scores_of: Callable[[dict], dict[int, pd.Series] | None],
        metric: str,
    ):
        super().__init__(metric=metric, mode="min")
        self.race, self.groups_for, self.request_for, self.scores_of = race, groups_for, request_for, scores_of
        self.queue: deque[tuple[int, list[int], list[str]]] = deque()
        self._enqueue(race.first_round())
        self.running: dict[str, int] = {}  # trial id -> point

    def _enqueue(self, assignments: list[Assignment]) -> None:
        self.queue.extend((point, repeats, group) for point, repeats in assignments for group in self.groups_for(point))

    def suggest(self, trial_id: str) -> dict | None:
        if not self.queue:
            return Searcher.FINISHED if self.race.finished else None
        point, repeats, group = self.queue.popleft()
        self.running[trial_id] = point
        return self.request_for(point, repeats, group, self.race.rounds)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        point = self.running.pop(trial_id, None)
        if point is None:
            return
        scores = None if error or result is None else self.scores_of(result)
        if scores is None:
            self.race.fail(point)
        else:
            for repeat, values in scores.items():
                self.race.record(point, repeat, values)
        if not self.running and not self.queue:
            self._enqueue(self.race.next_round())

    def save(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "wb") as file:
            pickle.dump((self.race, list(self.queue), self.running), file)

    def restore(self, checkpoint_path: str) -> None:
        """A resumed race: Tune runs the unfinished trials again under their ids, so `running` still matches them."""
        with open(checkpoint_path, "rb") as file:
            self.race, queue, self.running = pickle.load(file)
        self.queue = deque(queue)


def race_searcher(config: SweepConfig, plan: SweepPlan, parts: ForecastParts) -> RaceSearcher:
    """`parts`: where a finished trial's repeats are read back, when its report left them out."""
    search = config.search
    position = {point_key(point): index for index, point in enumerate(plan.points)}
    studies = [[position[point_key(point)] for point in points] for points in plan.studies.values()]
    first = search.initial_for(config.repeats)
    race = Race(len(plan.points), config.repeats, first, search.round_repeats, search.max_fits, search.futility, studies)
    score = score_column(config.evaluation.metric)

    def request_for(point: int, repeats: list[int], series: list[str], race_round: int) -> dict:
        return trial_request(config, plan.points[point], repeats, series, race_round).tune_config()

    def scores_of(result: dict) -> dict[int, pd.Series] | None:
        final = parts.final_report(result)
        return None if final is None else final.scores_by_repeat(score, config.evaluation.selection_origins)

    return RaceSearcher(race, lambda point: plan.groups_for(plan.points[point]), request_for, scores_of, SCHEDULER_METRIC)


def most_race_trials(config: SweepConfig, plan: SweepPlan) -> int:
    """An upper bound on a race's trials, for Tune's `num_samples`: the race ends it earlier."""
    rounds = most_rounds(config.repeats, config.search.initial_for(config.repeats), config.search.round_repeats)
    return rounds * sum(len(plan.groups_for(point)) for point in plan.points)


def most_rounds(repeats: int, initial_repeats: int, round_repeats: int) -> int:
    """The rounds a point can have: its first, then as many as it takes to reach `repeats`."""
    return 1 + -(-max(0, repeats - initial_repeats) // round_repeats)
