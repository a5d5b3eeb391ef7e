"""Wide and long sweeps: figures that scale, statistics that never crown a diverged configuration,
a bounded cache of compiled shapes, and TensorFlow threads sized by the trial's CPUs."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from sweep.config.loading import parse_config
from sweep.reports.figures import BOXES_PER_FIGURE, box_plots, median_curves
from sweep.results.statistics import compare_to_best
from sweep.results.summary import study_table
from sweep.storage.folder import ResultsFolder

RNG = np.random.default_rng(5)


def wide_trials(configurations: int, repeats: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"study": "wide", "epochs": np.repeat(np.arange(1, configurations + 1), repeats), "batch_size": 4, "neurons": 1,
         "repeat": np.tile(np.arange(repeats), configurations), "origin": 0, "status": "completed",
         "test_rmse": RNG.normal(100, 5, configurations * repeats)}
    )  # fmt: skip


def test_a_study_of_hundreds_of_configurations_splits_its_box_plot(tmp_path):
    figures = box_plots(wide_trials(3 * BOXES_PER_FIGURE + 10), "wide", 136.0, "sales")
    assert len(figures) == 4
    folder = ResultsFolder(str(tmp_path), "wide")
    for number, figure in enumerate(figures, 1):
        png = folder.write_figure(f"wide_boxplot-{number}.png", figure)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert figure.get_size_inches()[0] * 110 < 2**16  # within matplotlib's limit
    titles = [figure.axes[0].get_title() for figure in figures]
    assert titles[0].endswith("(part 1 of 4)") and titles[-1].endswith("(part 4 of 4)")
    assert sum(len(figure.axes[0].get_xticklabels()) for figure in figures) == 3 * BOXES_PER_FIGURE + 10


def test_diagnostic_medians_give_every_configuration_its_own_colour():
    history = pd.DataFrame(
        [{"study": "wide", "epochs": e, "batch_size": 4, "neurons": 1, "trial_id": str(e), "repeat": 0, "epoch": step,
          "train_rmse": 1.0 * step, "test_rmse": 2.0 * step} for e in range(1, 31) for step in (1, 2)]
    )  # fmt: skip
    figure = median_curves(history, "wide", 136.0, "sales")
    test_lines = figure.axes[0].get_lines()[0:60:2]
    colours = {to_rgba(line.get_color()) for line in test_lines}
    assert len(test_lines) == 30 and len(colours) == 30
    assert figure.axes[0].get_legend() is None  # 30 configurations: colours in grid order, no legend


def test_a_diverged_configuration_is_never_the_best():
    samples = {"diverged": np.array([1.0, np.nan, 2.0]), "ok": RNG.normal(100, 5, 30), "worse": RNG.normal(130, 5, 30)}
    comparison = compare_to_best(samples)
    assert comparison.loc["ok", "best"] and not comparison.loc["diverged", "best"]
    assert comparison.loc["diverged", "diverged"] and comparison.loc["diverged", "differs_from_best"]
    trials = pd.DataFrame(
        {"study": "s", "epochs": np.repeat([1, 2], 3), "batch_size": 4, "neurons": 1, "repeat": np.tile(range(3), 2),
         "origin": 0, "status": "completed", "test_rmse": [np.nan, 1.0, 2.0, 100.0, 101.0, 102.0]}
    )  # fmt: skip
    assert study_table(trials, "s").loc["vs best"].tolist() == ["diverged", "best"]


def test_the_cache_of_compiled_shapes_is_bounded_least_recently_used_first(shampoo, monkeypatch):
    from trainables.data import prepare
    from trainables.engines import compiled
    from trainables.model import initial_state
    from trainables.spec import ModelSpec

    monkeypatch.setattr(compiled, "_COMPILED", compiled.OrderedDict())
    monkeypatch.setattr(compiled, "COMPILED_SHAPES_KEPT", 2)
    data = prepare(shampoo, 12)
    specs = [ModelSpec(neurons=units) for units in (1, 2, 3)]

    def compile_seconds(spec):
        return compiled.CompiledRuns(data, 4, spec, [initial_state(spec, 0)]).compile_seconds

    assert all(compile_seconds(spec) > 0 for spec in specs[:2])
    assert compile_seconds(specs[0]) == 0  # still cached, and now the most recently used
    assert compile_seconds(specs[2]) > 0  # evicts units 2, the least recently used
    assert [key[1].neurons for key in compiled._COMPILED] == [1, 3]
    assert compile_seconds(specs[1]) > 0  # compiled again


@pytest.mark.parametrize("cpus, threads", [(1, "1"), (0.5, "1"), (2.5, "3"), (8, "8")])
def test_tensorflow_threads_follow_the_trials_cpus(cpus, threads):
    from sweep.execution.cluster import worker_env

    config = parse_config(
        {"name": "x", "resources": {"cpus_per_trial": cpus}, "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}}
    )
    environment = worker_env(config)
    assert environment["TF_NUM_INTRAOP_THREADS"] == environment["TF_NUM_INTEROP_THREADS"] == threads
