"""Cost of a sweep as the catalogue grows: the reference grid (conf/seed.yaml's three studies, 30 repeats)
on 1, 10 and 100 series, each a real `python -m sweep.run` on a local Ray.

    $ python benchmarks/catalogue.py [--series 1 10 100] [--num-cpus 2] [--one-per-trial 10]

Series 1 is the shampoo data; the others are synthetic series of its length (36 months: a random
level, trend and noise), written as one long-format CSV. Prints wall, time per repeat-fit and the
driver's peak resident memory at each size; `--one-per-trial N` also runs N series with
`series_per_trial: 1` (every series its own trial) for comparison with the default side-by-side lanes.
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
from sweep.data.series import load_series  # noqa: E402

# Runs the driver and prints its own peak RSS (KiB on Linux) when it ends, however it ends.
DRIVER = """
import resource, runpy, sys
sys.argv = ["sweep.run", *sys.argv[1:]]
try:
    runpy.run_module("sweep.run", run_name="__main__")
finally:
    print(f"driver peak RSS KiB: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)
"""


def catalogue_csv(count: int, path: Path) -> None:
    shampoo = load_series("shampoo").values
    rng = np.random.default_rng(0)
    series = [shampoo] + [
        rng.uniform(50, 500) + rng.uniform(0, 10) * np.arange(36) + np.cumsum(rng.normal(0, rng.uniform(5, 40), 36))
        for _ in range(count - 1)
    ]
    months = pd.period_range("2000-01", periods=36, freq="M").astype(str)
    frame = pd.concat([pd.DataFrame({"id": f"s{index:03d}", "month": months, "value": values}) for index, values in enumerate(series)])
    frame.to_csv(path, index=False)


def run(count: int, num_cpus: int, folder: Path, series_per_trial: int | None = None) -> dict:
    config = load_config("seed.yaml").model_dump()
    source = folder / f"catalogue{count}.csv"
    catalogue_csv(count, source)
    config["name"] = f"catalogue{count}-{series_per_trial or 'lanes'}"
    config["data"] |= {"source": str(source), "series_column": "id", "date_column": "month", "value_column": "value"}
    config["series_per_trial"] = series_per_trial
    path = folder / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-c", DRIVER, "--config", str(path), "--storage", str(folder / "results"), "--num-cpus", str(num_cpus)]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if completed.returncode:
        raise SystemExit(completed.stdout[-3000:] + completed.stderr[-3000:])
    peak = int(completed.stdout.rsplit("driver peak RSS KiB: ", 1)[1].split()[0])
    trials = pd.read_parquet(folder / "results" / config["name"] / "trials.parquet").drop_duplicates(["series", "epochs", "batch_size",
                                                                                                      "neurons", "repeat"])  # fmt: skip
    return {"series": count, "per trial": series_per_trial or "8 (default)", "repeat-fits": len(trials), "wall s": wall,
            "ms per repeat-fit": 1000 * wall / len(trials), "driver peak MiB": peak / 1024}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--one-per-trial", type=int, default=10, help="also run this many series one per trial (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lstm-sweep-catalogue-") as scratch:
        rows = [run(count, args.num_cpus, Path(scratch)) for count in args.series]
        if args.one_per_trial:
            rows.append(run(args.one_per_trial, args.num_cpus, Path(scratch), series_per_trial=1))
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda value: f"{value:.1f}"))


if __name__ == "__main__":
    main()
