"""What a final report hands Tune: numbers Tune analyses one by one in the driver, whose count must not grow with the
repeats a trial runs, and the per-repeat scalars the experiment trackers log."""

from numbers import Number

import pytest
from ray.tune.utils import flatten_dict

from trainables import FinalReport, RepeatScores, tracker_scalars
from trainables.contract import REPEAT_MEANS, REPEAT_SCORES, SCORES


def report(repeats: range) -> FinalReport:
    rows = [RepeatScores(repeat, seed=0, test_rmse=10.0 * repeat + origin + (series == "b"), train_rmse=1.0, fit_seconds=0.0,
                         compile_seconds=0.0, origin=origin, series=series)
            for series in ("a", "b") for repeat in repeats for origin in (0, 1)]  # fmt: skip
    return FinalReport(epoch=3, repeats=rows, forecast_batch_size=1).published()


def numbers_tune_analyses(metrics: dict) -> int:
    """The metrics Tune's `Trial.update_last_result` keeps a running analysis of: every number of the flattened report."""
    return sum(isinstance(value, Number) for value in flatten_dict(metrics).values())


def test_the_numbers_tune_analyses_do_not_grow_with_the_repeats():
    assert numbers_tune_analyses(report(range(2)).to_metrics()) == numbers_tune_analyses(report(range(30)).to_metrics())


def test_trackers_get_each_repeats_means_as_scalars_under_its_own_index():
    scalars = tracker_scalars(report(range(10, 12)).to_metrics())
    assert REPEAT_MEANS not in scalars and REPEAT_SCORES not in scalars
    assert scalars["repeat_10/test_rmse"] == pytest.approx(100.0 + 0.5 + 0.5)  # over series a, b and origins 0, 1
    assert scalars["repeat_11/test_rmse"] == pytest.approx(111.0)
    assert "repeat_0/test_rmse" not in scalars and {key for key in scalars if key.startswith("repeat_11/")} == {
        f"repeat_11/{score}" for score in SCORES
    }
