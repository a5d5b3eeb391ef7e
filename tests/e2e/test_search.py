"""Random and Optuna search over ranges: the config's rules and messages, the drawn points, the objective,
and one real Optuna search on tiny LSTM runs."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sweep.config.loading import parse_config
from sweep.config.smoke import smoke_config
from sweep.config.validation import ConfigError
from sweep.planning.plan import build_plan
from sweep.search.objective import objective

GRID = {"epochs": [5], "batch_size": [4], "neurons": [1]}


def config_with(search: dict | None = None, **axes):
    payload = {"name": "x", "repeats": 3, "studies": {"s": GRID | axes}}
    return parse_config(payload | ({"search": search} if search else {}))


RANDOM, OPTUNA_SEARCH = {"type": "random"}, {"type": "optuna"}


@pytest.mark.parametrize(
    ("search", "axes", "message"),
    [
        (None, {"dropout": {"uniform": [0, 0.5]}}, r"`studies.s.dropout` is a range \(\{uniform: \[0.0, 0.5\]\}\): ranges need "
                                                   r"`search.type: random` or `optuna`; a grid lists values"),
        (RANDOM, {"dropout": {"uniform": [0, 1.5]}}, r"`studies.s.dropout` range ends must be >= 0 and < 1; received \[0.0, 1.5\]"),
        (RANDOM, {"neurons": {"uniform": [1, 5]}}, r"`studies.s.neurons` takes a randint range; received \{uniform: \[1.0, 5.0\]\}"),
        (RANDOM, {"l2": {"uniform": [0.5, 0.1]}}, r"`studies.s.l2` needs low below high for uniform; received \[0.5, 0.1\]"),
        (RANDOM, {"l2": {"uniform": [0, 1], "randint": [0, 1]}}, r"`studies.s.l2` must be one of \{uniform: \[low, high\]\}"),
        (OPTUNA_SEARCH, {"learning_rate": {"loguniform": [0, 0.1]}}, r"`studies.s.learning_rate.loguniform.0` must be > 0; received 0"),
    ],
)  # fmt: skip
def test_a_bad_range_is_refused_naming_its_key(search, axes, message):
    with pytest.raises(ConfigError, match=message):
        config_with(search, **axes)


def test_optuna_searches_one_study_with_all_repeats_in_one_trial():
    with pytest.raises(ConfigError, match=r"`search.type: optuna` searches one study; `studies` has 2 \(a, b\)"):
        parse_config({"name": "x", "search": {"type": "optuna"}, "studies": {"a": GRID, "b": GRID}})
    with pytest.raises(ConfigError, match=r"`repeats_per_trial` \(1\) must be left out with `search.type: optuna`"):
        parse_config({"name": "x", "repeats": 3, "repeats_per_trial": 1, "search": {"type": "optuna"}, "studies": {"a": GRID}})


def test_a_range_reads_back_as_written_in_saved_configs_and_smoke_mode():
    config = config_with({"type": "random"}, epochs={"randint": [50, 500]}, learning_rate={"loguniform": [1e-4, 0.1]})
    dumped = yaml.safe_dump(config.model_dump())
    assert yaml.safe_load(dumped)["studies"]["s"]["learning_rate"] == {"loguniform": [0.0001, 0.1]}
    assert parse_config(yaml.safe_load(dumped)) == config
    assert smoke_config(config).studies["s"].epochs.randint == (1, 3)  # a range of epochs shrinks to seconds too


def test_random_search_draws_num_samples_points_per_study_within_the_ranges_from_the_seed():
    config = config_with({"type": "random", "num_samples": 12}, neurons={"randint": [1, 3]}, l2={"loguniform": [1e-4, 1e-1]},
                         loss=["mse", "mae"])  # fmt: skip
    catalogue = {"shampoo": np.random.default_rng(0).normal(100, 10, 36)}
    points = build_plan(config, catalogue).points
    assert len(points) == 12  # continuous l2 draws: no two points alike
    assert {point["neurons"] for point in points} <= {1, 2, 3} and {point["loss"] for point in points} == {"mse", "mae"}
    assert all(1e-4 <= point["l2"] <= 1e-1 and point["l2"] == float(f"{point['l2']:.3g}") for point in points)
    assert build_plan(config, catalogue).points == points  # the same config draws the same points
    reseeded = parse_config(config.model_dump() | {"seed": 1})
    assert build_plan(reseeded, catalogue).points != points


def test_the_objective_is_a_statistic_of_the_repeats_and_a_diverged_repeat_loses():
    # repeats 0-3, each scored at two origins: per repeat means 1, 2, 3, 10
    scores = pd.Series([0.5, 1.5, 2, 2, 3, 3, 9, 11], index=[0, 0, 1, 1, 2, 2, 3, 3])
    assert objective(scores, "mean") == 4.0 and objective(scores, "median") == 2.5
    assert objective(scores, "p90") == pytest.approx(np.percentile([1, 2, 3, 10], 90))
    assert objective(pd.Series([1.0, np.nan], index=[0, 1]), "mean") == float("inf")


OPTUNA = """\
name: optuna
repeats: 3
seed: 2
data: {source: shampoo}
search: {type: optuna, num_samples: 4, objective: p75}
studies:
  tuned: {epochs: {randint: [2, 6]}, batch_size: [4], neurons: [1, 2], learning_rate: {loguniform: [0.001, 0.1]}}
"""


def test_an_optuna_search_runs_every_suggested_point_with_all_its_repeats(sweeps):
    results, printed = sweeps.run(OPTUNA)
    trials = pq.read_table(results / "trials.parquet").to_pandas()
    points = trials.groupby(["epochs", "neurons", "learning_rate"])["repeat"].apply(sorted)
    assert len(points) == 4 and all(repeats == [0, 1, 2] for repeats in points)  # four suggestions, three repeats each
    assert trials["epochs"].between(2, 6).all() and trials["learning_rate"].between(0.001, 0.1).all()
    assert set(trials["neurons"]) <= {1, 2} and (trials["status"] == "completed").all()
    by_point = trials.groupby(["epochs", "neurons", "learning_rate"])["test_rmse"]
    best = by_point.quantile(0.75).idxmin()  # the objective: each point's 75th percentile over its repeats
    assert (f"optuna: 4 points suggested by Optuna (TPE), 3 repeats each; lowest p75 of its repeats: epochs {best[0]}, "
            f"batch_size 4, neurons {best[1]}, learning_rate {best[2]} ({by_point.quantile(0.75).min():.3f})") in printed  # fmt: skip
    summary = pd.read_csv(results / "summary.csv")
    assert len(summary) == 4 and summary["robust_choice"].sum() == 1  # the tables treat searched points as a grid's
