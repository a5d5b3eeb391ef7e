"""Training cost of the compiled engine by units and batch size: ms per repeat per 1000 epochs.

    $ python benchmarks/units.py [--epochs 1000] [--repeats 30]

One process, the shampoo series, 30 repeats trained together (as a sweep trains a point), seeded
initial weights; training plus walk-forward evaluation, best of three runs, compile excluded. Run it
with PYTHONPATH pointing at another checkout to time that one's engine on the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sweep.data.series import load_series  # noqa: E402
from trainables.contract import repeat_seed  # noqa: E402
from trainables.data import prepare  # noqa: E402
from trainables.engines import compiled  # noqa: E402
from trainables.model import initial_state  # noqa: E402
from trainables.spec import ModelSpec  # noqa: E402

BATCH_SIZES = (1, 2, 4)


def milliseconds_per_repeat(epochs: int, batch_size: int, neurons: int, repeats: int) -> float:
    spec = ModelSpec(neurons=neurons)
    data = prepare(load_series("shampoo").values, 12, batch_size=batch_size)
    point = {"epochs": epochs, "batch_size": batch_size, "neurons": neurons}
    initial = [initial_state(spec, repeat_seed(0, point, repeat)) for repeat in range(repeats)]
    best = float("inf")
    for _ in range(3):
        runs = compiled.CompiledRuns(data, batch_size, spec, initial)  # compiled once; later runs reuse it
        started = time.perf_counter()
        runs.train(epochs)
        runs.walk_forward()
        best = min(best, time.perf_counter() - started)
    return best / repeats * 1e3 * 1000 / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print("| units | " + " | ".join(f"batch {size}" for size in BATCH_SIZES) + " | median |")
    print("|---" * (len(BATCH_SIZES) + 2) + "|")
    for neurons in range(1, 6):
        cells = [milliseconds_per_repeat(args.epochs, size, neurons, args.repeats) for size in BATCH_SIZES]
        print(f"| {neurons} | " + " | ".join(f"{cell:.2f}" for cell in cells) + f" | {statistics.median(cells):.2f} |", flush=True)


if __name__ == "__main__":
    main()
