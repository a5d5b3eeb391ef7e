"""The full study's grids at one forecast origin and at five, side by side in one run, with baselines.

    $ python benchmarks/origins.py [--source nile] [--repeats 30] [--window expanding] [--num-cpus 2]

Each run is `python -m sweep.run` in a subprocess with the reference study's three grids on a
built-in series, timed from start to printed tables; the tables are saved beside the timings.
The baselines (naive, ETS, ARIMA) are also fitted in this process, one after another, to give
their cost apart from the LSTM's (in a sweep they run as Ray tasks beside the trials).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from sweep.config.loading import load_config, parse_config
from sweep.data.series import load_series
from sweep.planning.plan import build_plan
from trainables.baselines import baseline_forecast

BASELINES = ["naive", "ets", "arima"]


def sweep_config(source: str, repeats: int, origins: int, window: str, season: int) -> dict:
    reference = load_config("seed.yaml").model_dump()
    return reference | {
        "name": f"{source}-origins{origins}", "repeats": repeats, "data": {"source": source, "test_size": 12},
        "evaluation": {"origins": origins, "window": window, "season": season, "baselines": BASELINES},
    }  # fmt: skip


def timed_sweep(config: dict, storage: Path, num_cpus: int) -> tuple[float, str]:
    path = storage / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config))
    started = time.perf_counter()
    command = [sys.executable, "-m", "sweep.run", "--config", str(path), "--storage", str(storage), "--num-cpus", str(num_cpus)]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, run.stdout[run.stdout.index("== study") :]


def baseline_seconds(config: dict) -> float:
    parsed = parse_config(config)
    series = load_series(parsed.data.source).values
    started = time.perf_counter()
    for origin in build_plan(parsed, {parsed.data.source: series}).origins[parsed.data.source]:
        for name in BASELINES:
            baseline_forecast(name, series, origin, parsed.evaluation.season_for(parsed.data))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="nile")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--window", default="expanding", choices=["expanding", "sliding"])
    parser.add_argument("--season", type=int, default=1)
    parser.add_argument("--num-cpus", type=int, default=2)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for origins in (1, 5):
            config = sweep_config(args.source, args.repeats, origins, args.window, args.season)
            wall, tables = timed_sweep(config, Path(folder), args.num_cpus)
            rows.append((origins, wall, baseline_seconds(config)))
            print(f"\n### {args.source}, {origins} origin(s), {args.repeats} repeats\n\n```\n{tables}```", flush=True)
    print("\n| origins | sweep wall (s) | baselines, serial (s) | wall / 1 origin | baselines / sweep wall |\n|---|---|---|---|---|")
    for origins, wall, baselines in rows:
        print(f"| {origins} | {wall:.1f} | {baselines:.1f} | {wall / rows[0][1]:.2f} | {baselines / wall:.3f} |")


if __name__ == "__main__":
    main()
