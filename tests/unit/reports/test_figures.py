"""Figures that scale: a study of hundreds of configurations splits its box plot, every configuration its own colour, a
diverged configuration's scores do not flatten the others'."""

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba

from sweep.reports.figures import BOXES_PER_FIGURE, box_plots, median_curves, series_box_plot
from sweep.storage.folder import ResultsFolder


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


def test_scores_spanning_orders_of_magnitude_are_drawn_on_a_log_axis_and_close_ones_are_not():
    close = pd.DataFrame({"a": [0.8, 0.9, 1.1], "b": [0.7, 1.0, 1.2], "arima (baseline)": [0.6, 0.8, 0.9]})
    exploded = close.assign(b=[0.7, 1.0, 27000.0])
    for scores, scale in ((close, "linear"), (exploded, "log")):
        ax = series_box_plot(scores, "recipe", "mase").axes[0]
        assert ax.get_yscale() == scale and ax.get_ylabel().endswith("(log scale)") == (scale == "log")
    trials = wide_trials(3)
    trials.loc[0, "test_rmse"] = 1e6
    assert box_plots(trials, "wide", None, "sales")[0].axes[0].get_yscale() == "log"


RNG = np.random.default_rng(5)


def wide_trials(configurations: int, repeats: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {"study": "wide", "epochs": np.repeat(np.arange(1, configurations + 1), repeats), "batch_size": 4, "neurons": 1,
         "repeat": np.tile(np.arange(repeats), configurations), "origin": 0, "status": "completed",
         "test_rmse": RNG.normal(100, 5, configurations * repeats)}
    )  # fmt: skip
