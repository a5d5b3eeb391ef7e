"""The by-step scores: `forecast_scores` per (series, method, repeat, origin, step), computed as grouped means at once."""

import numpy as np
import pandas as pd
import pytest

from sweep.planning.plan import SweepPlan
from sweep.results.horizons import METHOD, step_scores
from trainables import Origin, forecast_scores, seasonal_naive_scale


@pytest.mark.parametrize("metric", ["rmse", "mae", "smape", "mase"])
def test_step_scores_are_forecast_scores_of_each_steps_forecasts(metric):
    rng = np.random.default_rng(0)
    series = {"a": rng.uniform(50, 150, 40), "b": np.r_[np.full(28, 5.0), rng.uniform(0, 10, 12)]}  # b: a zero MASE scale
    origins = {name: [Origin(0, 0, 24, 32), Origin(1, 0, 28, 36)] for name in series}
    rows = []
    for name in series:
        for study, neurons, baseline, repeat in (("s", 1, None, 0), ("s", 1, None, 1), ("s", 2, None, 0), (None, None, "ets", None)):
            for origin in (0, 1):
                for h in (1, 2, 3):
                    for cutoff in range(8 - h + 1):
                        index = origins[name][origin].test_start + cutoff + h - 1
                        forecast = 0.0 if (name == "b" and cutoff == 0) else series[name][index] + rng.normal(0, 5)
                        rows.append({"unique_id": name, "study": study, "neurons": neurons, "baseline": baseline, "repeat": repeat,
                                     "origin": origin, "h": h, "y": series[name][index], "forecast": forecast})  # fmt: skip
    frame = pd.DataFrame(rows).astype({"neurons": "Int64", "repeat": "Int64"})
    plan = SweepPlan(axis_names=["neurons"], points=[], studies={}, notes=[], memberships={}, origins=origins, series_groups=[])
    scores = step_scores(frame, plan, series, 12, metric)
    assert len(scores) == 2 * 4 * 2 * 3 and scores[METHOD].unique().tolist() == ["s: neurons 1", "s: neurons 2", "ets"]
    for row in scores.itertuples(index=False):
        of_repeat = frame["repeat"].isna() if row.repeat == -1 else frame["repeat"] == row.repeat
        of_method = (frame["baseline"] == row.method) if row.method == "ets" else (frame["neurons"] == int(row.method[-1]))
        group = frame[
            (frame["unique_id"] == row.unique_id) & (frame["origin"] == row.origin) & (frame["h"] == row.h) & of_repeat & of_method
        ]
        origin = origins[row.unique_id][row.origin]
        scale = seasonal_naive_scale(series[row.unique_id][origin.start : origin.test_start], 12)
        expected = forecast_scores(group["y"].to_numpy(), group["forecast"].to_numpy(), scale)[metric]
        np.testing.assert_allclose(getattr(row, metric), expected, rtol=1e-12, equal_nan=True)
