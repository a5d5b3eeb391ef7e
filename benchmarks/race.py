"""Grid against race on the same sweep, side by side in one run: repeat-fits, wall, and the set of
configurations tied with each study's best.

    $ python benchmarks/race.py [--config extensions.yaml] [--num-cpus 2] [--initial 5] [--round 5]

Each run is `python -m sweep.run` in a subprocess, timed from start to printed tables. A grid's tied
set is every configuration whose verdict is `best` or `tie`; a race's, those still racing at the end
(all `repeats` run) with that verdict. Both use the same seeds: a race's repeats are the grid's first ones.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sweep.aggregate import point_columns  # noqa: E402
from sweep.config import load_config  # noqa: E402


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
    if "race_rounds" in summary.columns:
        summary = summary[summary["race_rounds"] == summary["race_rounds"].max()]
    tied = summary[~summary["differs_from_best"].astype(bool)]
    sets = {}
    for study, group in tied.groupby("study"):
        axes = [axis for axis in point_columns(summary) if summary.loc[summary["study"] == study, axis].nunique() > 1]
        sets[study] = {"/".join(map(str, values)) for values in group[axes].itertuples(index=False, name=None)}
    return sets


def fits(results: Path) -> int:
    trials = pd.read_parquet(results / "trials.parquet")
    return len(trials.drop_duplicates(["series", *point_columns(trials), "repeat"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="extensions.yaml")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--initial", type=int, default=5)
    parser.add_argument("--round", type=int, default=5)
    args = parser.parse_args()
    grid = load_config(args.config).model_dump()
    race = grid | {"name": f"{grid['name']}-race", "search": {"type": "race", "initial_repeats": args.initial, "round_repeats": args.round}}
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-race-") as scratch:
        grid_wall, grid_results = run(grid, Path(scratch), args.num_cpus)
        race_wall, race_results = run(race, Path(scratch), args.num_cpus)
        grid_fits, race_fits = fits(grid_results), fits(race_results)
        grid_tied, race_tied = tied_sets(grid_results), tied_sets(race_results)
    print(f"| run | repeat-fits | wall (s) |\n|---|---|---|\n| grid | {grid_fits} | {grid_wall:.1f} |")
    print(f"| race | {race_fits} ({race_fits / grid_fits:.0%}) | {race_wall:.1f} ({race_wall / grid_wall:.2f}x) |\n")
    for study in sorted(set(grid_tied) | set(race_tied)):
        same = "same" if grid_tied.get(study) == race_tied.get(study) else "DIFFERENT"
        print(f"{study}: grid tied {sorted(grid_tied.get(study, []))}; race tied {sorted(race_tied.get(study, []))}: {same}")


if __name__ == "__main__":
    main()
