"""What forecasting H steps from every cutoff costs on the compiled engine: a trial of 30 repeats, H = 1 against H = 18,
recursive and direct.

    python benchmarks/horizon.py            # ~2 min on 2 cores

A trial's whole cost (preparation, compile, training, walk-forward, rollout, scoring) of one point on one series at
H = 1 (the protocol) and H = 18 (M4's monthly horizon) with each strategy (recursive: the one-step model rolled out;
direct: an 18-output head trained on 18-step targets), each in a fresh process: its first trial compiles
every shape (cold), its second finds them compiled (warm), as a sweep's later trials do. The series is the built-in
monthly CO2 (526 months), an 18-month test window at 3 origins a year apart, the study's epochs (1000).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

POINTS = [{"epochs": 1000, "batch_size": 4, "neurons": 1}, {"epochs": 1000, "batch_size": 4, "neurons": 3}]
VARIANTS = [(1, "recursive"), (18, "recursive"), (18, "direct")]  # (horizon, strategy)


def trial_seconds(point: dict, horizon: int) -> tuple[float, float]:
    """(cold, warm) seconds of the point's trial at `horizon`, in this process."""
    from sweep.data.series import load_series
    from trainables import TrialRequest, run_trial

    series = load_series("co2").values
    request = TrialRequest(point=point, repeat_indices=tuple(range(30)), base_seed=0, engine="compiled", test_size=18,
                           difference_lag=1, diagnostics_every=0, origins=3, origin_step=12, season=12, horizon=horizon)  # fmt: skip
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        run_trial(request, series)
        seconds.append(time.perf_counter() - started)
    return seconds[0], seconds[1]


def main() -> None:
    if len(sys.argv) == 3:  # a child: one point at one horizon
        print(json.dumps(trial_seconds(json.loads(sys.argv[1]), int(sys.argv[2]))))
        return
    print("| point (epochs/batch/units) | seconds | H = 1 | H = 18 recursive | H = 18 direct | recursive / H = 1 | direct / recursive |")
    print("|---|---|---|---|---|---|---|")
    for point in POINTS:
        runs = []
        for horizon, strategy in VARIANTS:
            arguments = [sys.executable, __file__, json.dumps(point | {"strategy": strategy}), str(horizon)]
            child = subprocess.run(arguments, capture_output=True, text=True, check=True)
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        label = "/".join(str(point[axis]) for axis in ("epochs", "batch_size", "neurons"))
        for kind, (one, recursive, direct) in (("cold", [run[0] for run in runs]), ("warm", [run[1] for run in runs])):
            print(f"| {label} | {kind} | {one:.2f} | {recursive:.2f} | {direct:.2f} | {recursive / one:.2f}x | {direct / recursive:.2f}x |")


if __name__ == "__main__":
    main()
