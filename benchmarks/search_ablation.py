"""Which lever moved the searched LSTM by how much: each lever off, the rest on, scored on the held-out origin.

    python -m sweep.run --config search.yaml       # first: the search (results/search)
    python benchmarks/search_ablation.py           # then: ~5 min on 2 cores (10 repeats per row)

The configuration `conf/search.yaml` chose across the catalogue (lowest mean rank on the origin chosen on, as
holdout_across.csv reports it) runs again under the search's own evaluation (22 monthly series, H = 18, 2 origins 18
apart, the last held out), once as found and once per lever switched off: no transform, no early stopping (every
epoch of the range's top trained), its drawn architecture replaced by conf/global.yaml's (3 units, 1 layer, no dropout,
Adam's default rate, lags 1: the search off, its recipe kept) and conf/global.yaml's best recipe as shipped (the
search and every new lever off). Each row prints the held-out mean MASE of the mean single repeat and of the seed ensemble
(the median of the repeats, what `forecast` delivers), against ARIMA's on the same origin.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sweep import run_sweep  # noqa: E402
from sweep.config.loading import load_config  # noqa: E402
from sweep.results.across_series import lowest_mean_rank_point  # noqa: E402
from sweep.results.holdout import chosen_on  # noqa: E402

RESULTS = Path("results")
SEARCH = RESULTS / "search"
REPEATS = 10
SHIPPED_ARCHITECTURE = {"neurons": 3, "layers": 1, "dropout": 0.0, "learning_rate": None, "lags": 1}
GLOBAL_RECIPE = {"epochs": 300, "batch_size": 4, "neurons": 3, "strategy": "direct", "training": "global",
                 "deseasonalise": "seasonal_difference", "normalise": "series"}  # fmt: skip


def searched_point() -> dict:
    config = load_config(SEARCH / "config.yaml")
    trials = pd.read_parquet(SEARCH / "trials.parquet")
    point = lowest_mean_rank_point(chosen_on(trials, config.evaluation.selection_origins), "recipe", config.evaluation.metric)
    return {axis: (value.item() if hasattr(value, "item") else value) for axis, value in point.items()}


def held_out(name: str, studies: dict[str, dict], early_stopping: bool) -> pd.DataFrame:
    payload = load_config("search.yaml").model_dump() | {"name": name, "repeats": REPEATS, "search": {"type": "grid"}}
    payload["early_stopping"] = payload["early_stopping"] if early_stopping else None
    payload["studies"] = {study: {axis: [value] for axis, value in point.items() if value is not None} for study, point in studies.items()}
    run_sweep(payload, storage=str(RESULTS), num_cpus=2)
    return pd.read_csv(RESULTS / name / "holdout_across.csv")


def main() -> None:
    found = searched_point()
    print(f"searched: {found}")
    with_stopping = held_out("search-ablation-stopped", {
        "searched": found, "no_transform": found | {"transform": "none"}, "shipped_architecture": found | SHIPPED_ARCHITECTURE,
    }, early_stopping=True)  # fmt: skip
    without = held_out("search-ablation-unstopped", {"no_early_stopping": found, "global_yaml": GLOBAL_RECIPE}, early_stopping=False)
    frame = pd.concat([with_stopping, without], ignore_index=True)
    arima = frame.loc[frame["method"] == "arima (baseline)", "holdout_mean"].iloc[0]
    print("\n| lever off | held-out mean MASE, single repeat | seed ensemble | ARIMA | ensemble vs ARIMA |\n|---|---|---|---|---|")
    for study, rows in frame[frame["role"] != "baseline"].groupby("study", sort=False):
        single, ensemble = (rows.loc[rows["role"] == role, "holdout_mean"].iloc[0] for role in ("chosen", "ensemble"))
        print(f"| {study} | {single:.3f} | {ensemble:.3f} | {arima:.3f} | {100 * (ensemble / arima - 1):+.1f}% |")


if __name__ == "__main__":
    main()
