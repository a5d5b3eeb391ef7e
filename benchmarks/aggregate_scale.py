"""Driver-side aggregation at scale: trials.parquet rows and describe() tables for 1k and 10k points.

    $ python benchmarks/aggregate_scale.py [--points 1000 10000] [--repeats 5]

Tune's results are stood in for by objects with the same fields (`metrics`, `config`, `error`,
`path`) holding real `FinalReport` metrics, so only the driver's own work is timed: building the
trials frame (one row per study, point and repeat) and the summary with its statistics.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sweep.config.loading import parse_config  # noqa: E402
from sweep.planning.plan import build_plan  # noqa: E402
from sweep.planning.requests import trial_request  # noqa: E402
from sweep.results.decode import decode  # noqa: E402
from sweep.results.summary import study_statistics, study_table, summarize  # noqa: E402
from sweep.results.trials import trials_frame  # noqa: E402
from trainables.contract import FinalReport, RepeatScores  # noqa: E402


@dataclass
class StandInResult:
    metrics: dict
    config: dict
    error: None = None
    path: str | None = None


def stand_in_results(points: int, repeats: int, studies: int):
    per_study = points // studies
    config = parse_config(
        {"name": "scale", "repeats": repeats, "studies": {
            f"s{index}": {"epochs": list(range(1 + index * per_study, 1 + (index + 1) * per_study)), "batch_size": [4], "neurons": [1]}
            for index in range(studies)}}
    )  # fmt: skip
    plan = build_plan(config, {"stand-in": np.sin(np.arange(48.0)) * 100 + np.arange(48.0)})
    rng = np.random.default_rng(0)
    results = []
    for position, point in enumerate(plan.points):
        request = trial_request(config, point, range(repeats), ["stand-in"])
        scores = [
            RepeatScores(r, s, float(rng.normal(100, 5)), 1.0, 0.01, 0.0, series="stand-in")
            for r, s in zip(request.repeat_indices, request.seeds)
        ]
        final = FinalReport(epoch=point["epochs"], repeats=scores, forecast_batch_size=4)
        results.append(StandInResult(final.to_metrics() | {"trial_id": f"t{position}"}, request.tune_config()))
    return config, plan, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| points | rows | trials frame s | statistics + summary s | tables s |\n|---|---|---|---|---|")
    for points in args.points:
        config, plan, results = stand_in_results(points, args.repeats, studies=max(1, points // 100))
        started = time.perf_counter()
        trials = trials_frame(decode(results, early_stopping=False, failures={}, parts=None), plan, race=False)
        framed = time.perf_counter()
        statistics = {study: study_statistics(trials, study) for study in plan.studies}
        summarize(trials, statistics)
        summarized = time.perf_counter()
        for study in plan.studies:
            study_table(trials, study, statistics[study])
        tabled = time.perf_counter()
        print(f"| {points} | {len(trials)} | {framed - started:.2f} | {summarized - framed:.2f} | {tabled - summarized:.2f} |")


if __name__ == "__main__":
    main()
