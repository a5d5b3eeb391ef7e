"""What forecasting H steps from every cutoff costs on the compiled engine: a trial of 30 repeats, H = 1 against H = 18.

    python benchmarks/horizon.py            # ~1 min on 2 cores

A trial's whole cost (preparation, compile, training, walk-forward, rollout, scoring) of one point on one series at
H = 1 (the protocol) and H = 18 (M4's monthly horizon), each horizon in a fresh process: its first trial compiles
every shape (cold), its second finds them compiled (warm), as a sweep's later trials do. The series is the built-in
monthly CO2 (526 months), an 18-month test window at 3 origins a year apart, the study's epochs (1000).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

POINTS = [{"epochs": 1000, "batch_size": 4, "neurons": 1}, {"epochs": 1000, "batch_size": 4, "neurons": 3}]


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
    print("| point (epochs/batch/units) | H = 1 cold s | H = 18 cold s | ratio | H = 1 warm s | H = 18 warm s | ratio |")
    print("|---|---|---|---|---|---|---|")
    for point in POINTS:
        runs = {}
        for horizon in (1, 18):
            child = subprocess.run([sys.executable, __file__, json.dumps(point), str(horizon)], capture_output=True, text=True, check=True)
            runs[horizon] = json.loads(child.stdout.strip().splitlines()[-1])
        (cold_1, warm_1), (cold_18, warm_18) = runs[1], runs[18]
        label = "/".join(str(point[axis]) for axis in ("epochs", "batch_size", "neurons"))
        cold, warm = f"{cold_1:.2f} | {cold_18:.2f} | {cold_18 / cold_1:.2f}x", f"{warm_1:.2f} | {warm_18:.2f} | {warm_18 / warm_1:.2f}x"
        print(f"| {label} | {cold} | {warm} |")


if __name__ == "__main__":
    main()
