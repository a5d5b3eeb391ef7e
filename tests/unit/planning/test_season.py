"""The season a sweep scores with: given, inferred from the dates with a note, or the difference lag with a note."""

import numpy as np
import pandas as pd
import pytest

from sweep.config.loading import parse_config
from sweep.config.validation import ConfigError
from sweep.data.catalogue import Catalogue, load_catalogue
from sweep.data.series import LoadedSeries
from sweep.planning.plan import build_plan
from sweep.planning.season import with_season

STUDIES = {"s": {"epochs": [1], "batch_size": [4], "neurons": [1]}}
BASELINES = {"baselines": ["seasonal_naive", "ets", "arima"], "metric": "mase"}


def config(**evaluation):
    return parse_config({"name": "x", "evaluation": evaluation, "studies": STUDIES})


def test_monthly_dates_give_season_twelve_with_a_note():
    settled, note = with_season(config(**BASELINES), load_catalogue(config().data))  # shampoo: monthly
    assert settled.evaluation.season == 12
    assert note == "season 12, inferred from monthly dates (set `evaluation.season` to choose another)"


def test_an_explicit_season_wins_silently():
    settled, note = with_season(config(season=4, **BASELINES), load_catalogue(config().data))
    assert settled.evaluation.season == 4 and note is None


def test_undated_series_keep_the_difference_lag_and_say_so_when_a_season_matters():
    undated = Catalogue({"a": LoadedSeries(np.arange(40.0), "a", "x")}, "a")
    settled, note = with_season(config(**BASELINES), undated)
    assert settled.evaluation.season is None and settled.evaluation.season_for(settled.data) == 1
    assert note.startswith("season 1 (`data.difference_lag`) for seasonal_naive, ets, arima, MASE: the series carry no dates")
    assert with_season(config(baselines=["naive"]), undated) == (config(baselines=["naive"]), None)


def test_series_of_different_frequencies_are_refused():
    monthly = [str(period) for period in pd.period_range("2020-01", periods=40, freq="M")]
    quarterly = [str(period) for period in pd.period_range("2000Q1", periods=40, freq="Q")]
    mixed = Catalogue({"m": LoadedSeries(np.arange(40.0), "m", "x", monthly), "q": LoadedSeries(np.arange(40.0), "q", "x", quarterly)}, "")
    with pytest.raises(ConfigError, match=r"different frequencies \('m' is monthly, 'q' is quarterly\)"):
        with_season(config(), mixed)


def test_a_window_too_short_for_a_seasonal_baseline_is_noted():
    settled, _ = with_season(config(**BASELINES), load_catalogue(config().data))
    notes = build_plan(settled, load_catalogue(settled.data).values).notes
    assert (
        "baseline arima fits without a season where a training window holds fewer than 3 seasons of 12 (the earliest holds 24 observations)"
        in notes
    )
    assert not any("baseline ets" in note for note in notes)  # 24 observations: two seasons
