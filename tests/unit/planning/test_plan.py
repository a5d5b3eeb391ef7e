"""The plan: series grouped by length into trials; a series too short refused by name or skipped with a note."""

import numpy as np
import pytest

from sweep.config.loading import parse_config
from sweep.config.validation import ConfigError
from sweep.planning.plan import build_plan
from sweep.planning.requests import trial_grid

GRID = {"epochs": [2], "batch_size": [4], "neurons": [1]}


def _series(length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100 + np.cumsum(rng.normal(1, 5, length))


def test_a_series_too_short_is_refused_by_name_or_skipped_with_a_note():
    catalogue = {"long": _series(40, 0), "tiny": _series(9, 1)}
    config = parse_config({"name": "x", "data": {"test_size": 6}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError) as error:
        build_plan(config, catalogue)
    assert str(error.value).startswith("series 'tiny': `data.test_size` (6) leaves too few training rows: the series has 9 observations")
    assert str(error.value).endswith("(or set `data.short_series: skip`)")
    skipping = parse_config({"name": "x", "data": {"test_size": 6, "short_series": "skip"}, "studies": {"s": GRID}})
    plan = build_plan(skipping, catalogue)
    assert list(plan.origins) == ["long"]
    assert any(note.startswith("series 'tiny' skipped: `data.test_size` (6) leaves too few training rows") for note in plan.notes)
    confirm = parse_config({"name": "x", "search": {"confirm": True}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError, match="`search.confirm` needs one series"):
        build_plan(confirm, catalogue)
    diagnostics = parse_config({"name": "x", "diagnostics": {"every": 1}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError, match="`diagnostics.every` \\(1\\) needs one series"):
        build_plan(diagnostics, catalogue)


def test_series_are_grouped_by_length_into_trials():
    config = parse_config({"name": "x", "series_per_trial": 2, "studies": {"s": GRID}})
    lengths = {"a": 36, "b": 40, "c": 36, "d": 36, "e": 40}
    assert config.series_groups(lengths) == [["a", "c"], ["d"], ["b", "e"]]
    assert parse_config({"name": "x", "engine": "keras", "studies": {"s": GRID}}).series_groups(lengths) == [[name] for name in "acdbe"]


def test_a_global_points_trials_fit_every_series_together_and_one_series_is_refused():
    config = parse_config({"name": "x", "series_per_trial": 2, "studies": {"s": GRID | {"training": ["local", "global"]}}})
    catalogue = {"a": _series(36, 0), "b": _series(40, 1), "c": _series(36, 2)}
    plan = build_plan(config, catalogue)
    assert plan.axis_names[-1] == "training" and [point["training"] for point in plan.points] == ["local", "global"]
    local, pooled = (trial_grid(config, plan, [point], config.repeat_groups) for point in plan.points)
    assert [request.series for request in local] == [("a", "c"), ("b",)]  # by length, two per trial
    assert [request.series for request in pooled] == [("a", "c", "b")]  # one model across all of them
    skipping = config.model_copy(update={"data": config.data.model_copy(update={"short_series": "skip"})})
    for catalogue in ({"a": _series(36, 0)}, {"a": _series(36, 0), "tiny": _series(9, 1)}):
        with pytest.raises(ConfigError, match=r"`studies.s.training` lists global, which trains one model across series, but the "
                                              r"sweep has 1 series \(a\)"):  # fmt: skip
            build_plan(skipping, catalogue)


def test_stl_needs_two_seasons_in_the_earliest_training_window_and_a_season():
    grid = GRID | {"deseasonalise": ["none", "stl"]}
    config = parse_config({"name": "x", "data": {"test_size": 8}, "evaluation": {"season": 12}, "studies": {"s": grid}})
    assert build_plan(config, {"a": _series(32, 0)}).points[1]["deseasonalise"] == "stl"
    with pytest.raises(ConfigError, match=r"`studies.s.deseasonalise` lists stl, which fits a season of 12 on each origin's "
                                          r"training window, and the earliest origin's holds 23 observations \(less "
                                          r"`early_stopping.validation`, if any\) where STL needs two seasons \(24\)"):  # fmt: skip
        build_plan(config, {"a": _series(31, 0)})
    stopping = parse_config({"name": "x", "data": {"test_size": 8}, "evaluation": {"season": 12}, "studies": {"s": grid},
                             "early_stopping": {"validation": 6, "patience": 1}})  # fmt: skip
    with pytest.raises(ConfigError, match=r"the earliest origin's holds 18 observations \(less `early_stopping.validation`"):
        build_plan(stopping, {"a": _series(32, 0)})  # STL's first fit: the 24 training observations less 6
    no_season = parse_config({"name": "x", "data": {"test_size": 8}, "studies": {"s": grid}})
    with pytest.raises(ConfigError, match=r"`studies.s.deseasonalise` lists stl, which needs a season of 2 or more"):
        build_plan(no_season, {"a": _series(40, 0)})


def test_window_normalisation_needs_positive_observations():
    config = parse_config({"name": "x", "data": {"test_size": 6}, "studies": {"s": GRID | {"normalise": ["series", "window"]}}})
    series = _series(40, 0)
    assert [point["normalise"] for point in build_plan(config, {"a": series}).points] == ["series", "window"]
    series[3] = -1.0
    with pytest.raises(ConfigError, match=r"`studies.s.normalise` lists window, which divides each input window by its last "
                                          r"observation, and the series holds -1: it needs positive values throughout"):  # fmt: skip
        build_plan(config, {"a": series})


def test_a_transform_needs_positive_observations_and_is_skipped_with_short_series_skip():
    grid = GRID | {"transform": ["none", "log", "box_cox"]}
    config = parse_config({"name": "x", "data": {"test_size": 6}, "studies": {"s": grid}})
    series = _series(40, 0)
    assert [point["transform"] for point in build_plan(config, {"a": series}).points] == ["none", "log", "box_cox"]
    series[3] = 0.0
    with pytest.raises(ConfigError, match=r"`studies.s.transform` lists log, defined for positive values only, and the series "
                                          r"holds 0: use transform: \[none\]"):  # fmt: skip
        build_plan(config, {"a": series})
    skipping = parse_config({"name": "x", "data": {"test_size": 6, "short_series": "skip"}, "studies": {"s": grid}})
    assert list(build_plan(skipping, {"a": series, "b": _series(40, 1)}).origins) == ["b"]


def test_steps_and_levels_that_cannot_be_calibrated_are_noted_not_refused():
    """The first config a forecaster writes: a year ahead from 3 yearly origins with 80/95% intervals on 144 months. The
    late steps' 95% intervals cannot be calibrated (19 errors needed): noted by step, the sweep runs."""
    config = parse_config({"name": "x", "data": {"test_size": 12}, "studies": {"s": GRID},
                           "evaluation": {"origins": 3, "horizon": 12, "levels": [80, 95]}})  # fmt: skip
    plan = build_plan(config, {"air": _series(144, 2)})
    known = {}  # by brute force: errors at step h whose targets the last cutoff scored at h has seen
    for h in range(1, 13):
        last = 143 - h
        known[h] = sum(1 for start in (108, 120, 132) for cutoff in range(start - 1, start + 12 - h) if cutoff + h <= last)
    for level, needed in ((80, 4), (95, 19)):
        short = [h for h in range(1, 13) if known[h] < needed]
        note = next(note for note in plan.notes if note.startswith(f"intervals at {level}% cannot be calibrated"))
        steps = f"steps {short[0]}-12" if len(short) > 1 else "step 12"
        assert short[-1] == 12 and note.startswith(
            f"intervals at {level}% cannot be calibrated at {steps} (the last cutoff knows {known[short[0]]} "
        )
        assert f"where {needed} are needed" in note and "add origins (`evaluation.origins`), lengthen `data.test_size`" in note
    assert known[1] >= 19  # the first steps keep both intervals
