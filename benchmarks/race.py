"""Grid against race on the same sweep, side by side in one run: repeat-fits, wall, and the set of
configurations tied with each study's best; then the race's rule replayed on the grid's own repeats.

    $ python benchmarks/race.py [--config extensions.yaml] [--num-cpus 2] [--initial 10] [--round 5] [--futility 0.2]

Each run is `python -m sweep.run` in a subprocess, timed from start to printed tables. A tied set is
every configuration of a study that summary.csv does not call different from the study's best. Both
runs use the same seeds: a race's repeats are the grid's first ones.

One race is one draw: whether its early rounds drop a point depends on which seeds came first. The
replay plays the rule (`sweep.racing.Race`, no training) on `--orderings` random orders of the grid's
30 repeats per point and reports how often it ends with every study's tied set equal to the grid's,
and the fits it spent.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sweep.config.loading import load_config  # noqa: E402
from sweep.results.columns import point_columns  # noqa: E402
from sweep.results.statistics import as_origin_series, versus_best  # noqa: E402
from sweep.search.race import Race  # noqa: E402


def run(config: dict, folder: Path, num_cpus: int) -> tuple[float, Path]:
    path = folder / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [sys.executable, "-m", "sweep.run", "--config", str(path), "--storage", str(folder), "--num-cpus", str(num_cpus)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if completed.returncode:
        raise SystemExit(completed.stdout[-3000:] + completed.stderr[-3000:])
    return time.perf_counter() - started, folder / config["name"]


def tied_sets(results: Path) -> dict[str, set[tuple]]:
    summary = pd.read_csv(results / "summary.csv")
    summary = summary[summary["count"] > 0]
    tied = summary[~summary["differs_from_best"].astype(bool)]
    sets = {}
    for study, group in tied.groupby("study"):
        axes = [axis for axis in point_columns(summary) if summary.loc[summary["study"] == study, axis].nunique() > 1]
        sets[study] = {"/".join(map(str, values)) for values in group[axes].itertuples(index=False, name=None)}
    return sets


def fits(results: Path) -> int:
    trials = pd.read_parquet(results / "trials.parquet")
    return len(trials.drop_duplicates(["series", *point_columns(trials), "repeat"]))


def replay(results: Path, initial: int, round_repeats: int, futility: float, orderings: int) -> tuple[float, int, float]:
    """(mean fits, most fits, share of orderings matching every tied set) of the race rule on the grid's repeats."""
    trials = pd.read_parquet(results / "trials.parquet")
    axes = point_columns(trials)
    trials["point"] = trials.groupby(axes, sort=False, dropna=False).ngroup()
    by_point = trials.drop_duplicates(["point", "repeat"]).sort_values("repeat").groupby("point")
    scores = {point: group["test_rmse"].to_numpy() for point, group in by_point}
    studies = {study: sorted(set(group["point"])) for study, group in trials.groupby("study")}
    repeats = min(len(values) for values in scores.values())

    def tied(samples: dict[int, np.ndarray]) -> dict[str, frozenset]:
        tied_sets = {}
        for study, members in studies.items():
            verdicts = versus_best({point: as_origin_series(samples[point]) for point in members})
            tied_sets[study] = frozenset(verdicts.index[~verdicts["differs_from_best"]])
        return tied_sets

    grid_tied, rng, fits, matched = tied(scores), np.random.default_rng(0), [], 0
    for _ in range(orderings):
        order = rng.permutation(repeats)
        race = Race(len(scores), repeats, initial, round_repeats, None, futility, list(studies.values()))
        assignments = race.first_round()
        while assignments:
            for point, indices in assignments:
                for repeat in indices:
                    race.record(point, repeat, pd.Series([scores[point][order[repeat]]], index=[0]))
            assignments = race.next_round()
        ran = {point: np.array([race.scores[point][repeat].iloc[0] for repeat in sorted(race.scores[point])]) for point in scores}
        fits.append(race.fits)
        matched += tied(ran) == grid_tied
    return float(np.mean(fits)), int(np.max(fits)), matched / orderings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="extensions.yaml")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--round", type=int, default=5)
    parser.add_argument("--futility", type=float, default=0.2)
    parser.add_argument("--orderings", type=int, default=100)
    args = parser.parse_args()
    grid = load_config(args.config).model_dump()
    search = {"type": "race", "initial_repeats": args.initial, "round_repeats": args.round, "futility": args.futility}
    race = grid | {"name": f"{grid['name']}-race", "search": search}
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-race-") as scratch:
        grid_wall, grid_results = run(grid, Path(scratch), args.num_cpus)
        race_wall, race_results = run(race, Path(scratch), args.num_cpus)
        grid_fits, race_fits = fits(grid_results), fits(race_results)
        grid_tied, race_tied = tied_sets(grid_results), tied_sets(race_results)
        mean_fits, most_fits, matched = replay(grid_results, args.initial, args.round, args.futility, args.orderings)
    print(f"| run | repeat-fits | wall (s) |\n|---|---|---|\n| grid | {grid_fits} | {grid_wall:.1f} |")
    print(f"| race | {race_fits} ({race_fits / grid_fits:.0%}) | {race_wall:.1f} ({race_wall / grid_wall:.2f}x) |\n")
    for study in sorted(set(grid_tied) | set(race_tied)):
        same = "same" if grid_tied.get(study) == race_tied.get(study) else "DIFFERENT"
        print(f"{study}: grid tied {sorted(grid_tied.get(study, []))}; race tied {sorted(race_tied.get(study, []))}: {same}")
    print(
        f"\nreplayed on {args.orderings} orders of the grid's repeats: {mean_fits:.0f} repeat-fits on average "
        f"({mean_fits / grid_fits:.0%}), at most {most_fits}; every tied set the grid's in {matched:.0%}"
    )


if __name__ == "__main__":
    main()
