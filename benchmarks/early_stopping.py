"""What early stopping on held-out data costs per fit, beside the plain fit and the plain per-epoch Keras loop.

    python benchmarks/early_stopping.py            # ~7 min on 2 cores (the Keras loop's 4 fits of 1000 epochs)

One point of the reference study (1000 epochs, batch 4, 1 unit) on the Nile's 100 years, one origin of 12, trained
as a trial trains it (`run_trial`, compiled engine, 30 repeats side by side), without and with `early_stopping`
(`validation: 12, patience: 100`); the Keras loop's plain fit of the same point (2 repeats, its cost per fit is flat in
the repeats) is the reference the ratios are taken against. Each configuration runs once untimed (compiles) and then
timed; printed: seconds per repeat-fit, the ratio to the Keras loop, and the epochs the search chose.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sweep.data.series import load_series  # noqa: E402
from trainables import TrialRequest, run_trial  # noqa: E402

POINT = {"epochs": 1000, "batch_size": 4, "neurons": 1}


def per_fit(engine: str, repeats: int, validation: int = 0) -> tuple[float, list[int]]:
    request = TrialRequest(POINT, tuple(range(repeats)), 0, engine, 12, 1, 0, validation=validation, patience=100 if validation else 0)
    nile = load_series("nile").values
    run_trial(request, nile)  # compiles (the compiled engine caches per shape)
    started = time.perf_counter()
    rows = run_trial(request, nile).repeats
    return (time.perf_counter() - started) / repeats, [row.epochs_chosen for row in rows]


def main() -> None:
    keras, _ = per_fit("keras", 2)
    plain, _ = per_fit("compiled", 30)
    stopped, chosen = per_fit("compiled", 30, validation=12)
    print("| fit | seconds per repeat-fit | x the Keras loop's |")
    print("|---|---|---|")
    for name, seconds in (("Keras loop, 1000 epochs", keras), ("compiled, 1000 epochs", plain), ("compiled, early stopping", stopped)):
        print(f"| {name} | {seconds:.4f} | {keras / seconds:.1f}x faster |")
    print(f"epochs chosen: median {np.median(chosen):.0f}, range {min(chosen)}-{max(chosen)}; early stopping costs "
          f"{stopped / plain:.1f}x the plain compiled fit")  # fmt: skip


if __name__ == "__main__":
    main()
