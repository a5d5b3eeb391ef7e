"""Classical baselines, scored on exactly the LSTM's origins and steps.

Each is fitted on an origin's training window only; its parameters are then held fixed while the
walk-forward goes through the test window, each one-step forecast using only the observations
before it (for ETS and ARIMA: the one-step-ahead predictions of the fitted model run over the
origin's observations, which at step t condition on observations before t).

With a horizon H > 1 each baseline forecasts H steps from every cutoff of the test window (the
layout of `trainables/backtest.py`): the naive methods from the observations up to the cutoff, ETS
and ARIMA with statsmodels' own `forecast(H)` of the model fitted at the origin, its state brought
up to the cutoff with the parameters held fixed (no refit).

Each forecast also carries its model's predictive standard deviation (`evaluation.intervals: [model]`, the anchors'
Gaussian intervals): for naive sigma * sqrt(h) and for seasonal naive sigma * sqrt(k + 1), k the whole seasons before
step h, sigma the root mean square of the method's own one-step errors over the training window (Hyndman and
Athanasopoulos, FPP3 5.5); for ETS and ARIMA statsmodels' forecast variance of the model fitted at the origin, its
error variance held fixed like its other parameters.

Order selection is small and fixed, so a baseline costs milliseconds per origin:
- `naive`: the last observation. `seasonal_naive`: the observation one season earlier.
- `ets`: statsmodels' `ETSModel`, additive errors; trend none, additive or damped additive; an
  additive season when the season is above 1 and the window holds two full seasons; lowest AICc.
- `arima`: statsmodels' `ARIMA`; differencing d (0 or 1) by a KPSS test at 5%, as auto.arima does;
  then (p, q) in {0, 1, 2} x {0, 1} by lowest AICc, with a constant (no differencing) or a drift
  (one difference); with a season above 1 and three full seasons, a seasonal (0, 1, 1) part is added
  and p stays below 2 (seasonal fits cost ten times more; the seasonal part carries the long memory).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from statsmodels.tsa.arima.model import ARIMA
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.stattools import kpss

from trainables.backtest import Origin, scored_steps
from trainables.contract import BASELINES, BaselineForecast


def baseline_forecast(name: str, series: np.ndarray, origin: Origin, season: int, horizon: int = 1) -> BaselineForecast:
    """Fit `name` on the origin's training window and walk forward through its test window (`horizon` steps from each
    cutoff, NaN past the window); a fit that raises is reported, not raised, so one failing baseline never stops a sweep."""
    observations = np.asarray(series[origin.start : origin.end], dtype=np.float64)
    training = origin.test_start - origin.start
    scored = scored_steps(len(observations) - training, horizon)
    return _fitted_forecast(name, origin.index, observations, training, season, horizon, scored)


def baseline_next(name: str, series: np.ndarray, season: int, horizon: int = 1) -> BaselineForecast:
    """Fit `name` on the whole series and forecast the `horizon` observations after it: the walk-forward's one step (an
    unknown placeholder as its actual; ETS's equals statsmodels' own `forecast(1)` of the same fit), or the H steps a
    sweep's cutoff forecasts, from the series' end."""
    extended = np.append(np.asarray(series, dtype=np.float64), np.nan)
    return _fitted_forecast(name, 0, extended, len(series), season, horizon, np.ones(horizon, dtype=bool))


def _fitted_forecast(name, origin: int, observations, training: int, season: int, horizon: int, scored) -> BaselineForecast:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' convergence chatter (its import sets "always": imported above)
            with np.errstate(all="ignore"):
                forecasts, deviations, model = _METHODS[name](observations, training, season, horizon)
        forecasts = np.where(scored, forecasts[: len(scored)], np.nan)
        deviations = np.where(scored, deviations[: len(scored)], np.nan)
        if not np.all(np.isfinite(forecasts[scored])):
            raise ValueError("the fitted model forecast a non-finite value")
    except Exception as error:  # noqa: BLE001 - any library failure becomes a reported failed baseline
        message = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        return BaselineForecast(name, origin, [], "", f"{type(error).__name__}: {message}")
    return BaselineForecast(name, origin, forecasts.tolist(), model, deviations=deviations.tolist())


def _cutoffs(observations: np.ndarray, training: int) -> int:
    return len(observations) - training


def _rms(errors: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean(errors**2)))


def _naive(observations: np.ndarray, training: int, season: int, horizon: int) -> _Fitted:
    sigma = _rms(np.diff(observations[:training]))
    deviations = np.tile(sigma * np.sqrt(np.arange(1, horizon + 1)), _cutoffs(observations, training))
    if horizon == 1:
        return observations[training - 1 : -1], deviations, "last observation"
    return _from_cutoffs(observations, training, horizon, lambda known: np.repeat(known[-1], horizon)), deviations, "last observation"


def _seasonal_naive(observations: np.ndarray, training: int, season: int, horizon: int) -> _Fitted:
    model = f"observation {season} steps earlier"
    sigma = _rms(observations[season:training] - observations[: training - season])
    steps = np.arange(1, horizon + 1)
    seasons_back = (steps - 1) // season + 1  # the same season's observation in the last full season known
    deviations = np.tile(sigma * np.sqrt(seasons_back), _cutoffs(observations, training))
    if horizon == 1:
        return observations[training - season : len(observations) - season], deviations, model
    back = season * seasons_back
    return _from_cutoffs(observations, training, horizon, lambda known: known[len(known) - back + steps - 1]), deviations, model


def _ets(observations: np.ndarray, training: int, season: int, horizon: int) -> _Fitted:
    fit, options = ets_fit(observations[:training], season)
    trend = {None: "no trend", "add": "damped trend" if options["damped_trend"] else "additive trend"}[options["trend"]]
    model = f"ETS(A, {trend}, {'additive season' if options['seasonal'] else 'no season'})"
    deviations = np.tile(np.sqrt(ets_variances(fit, options, training, horizon)), _cutoffs(observations, training))
    if horizon == 1:
        return np.asarray(ETSModel(observations, **options).smooth(fit.params).fittedvalues)[training:], deviations, model
    return _from_cutoffs(
        observations, training, horizon, lambda known: np.asarray(ETSModel(known, **options).smooth(fit.params).forecast(horizon))
    ), deviations, model  # fmt: skip


def ets_variances(fit, options: dict, training: int, horizon: int) -> np.ndarray:
    """Steps 1..horizon's forecast variances of an additive-error ETS fit: they depend on its parameters and the step
    only, so one computation serves every cutoff (statsmodels' `get_prediction` wants a pandas index to label them)."""
    indexed = ETSModel(pd.Series(fit.model.endog), **options).smooth(fit.params)
    return np.asarray(indexed.get_prediction(start=training, end=training + horizon - 1).forecast_variance)


def ets_fit(history: np.ndarray, season: int):
    """The ETS model chosen by AICc on `history`, fitted, and its options."""
    seasons = [None, "add"] if season > 1 and len(history) >= 2 * season else [None]
    candidates = [(None, False), ("add", False), ("add", True)]
    fits = []
    for (trend, damped), seasonal in itertools.product(candidates, seasons):
        options = {"error": "add", "trend": trend, "damped_trend": damped, "seasonal": seasonal,
                   "seasonal_periods": season if seasonal else None}  # fmt: skip
        fits.append((_fitted(lambda o=options: ETSModel(history, **o).fit(disp=False)), options))
    return _lowest_aicc(fits)


def _arima(observations: np.ndarray, training: int, season: int, horizon: int) -> _Fitted:
    fit, options = arima_fit(observations[:training], season)
    seasonal_order = options["seasonal_order"]
    seasonal = f"({','.join(map(str, seasonal_order[:3]))})[{season}]" if seasonal_order[3] else ""
    model = f"ARIMA({','.join(map(str, options['order']))}){seasonal}"
    if horizon == 1:
        prediction = fit.apply(observations).get_prediction(start=training)
        return np.asarray(prediction.predicted_mean), np.asarray(prediction.se_mean), model
    predictions = [fit.apply(observations[: training + cutoff]).get_forecast(horizon) for cutoff in range(_cutoffs(observations, training))]
    forecasts = np.concatenate([np.asarray(prediction.predicted_mean) for prediction in predictions])
    return forecasts, np.concatenate([np.asarray(prediction.se_mean) for prediction in predictions]), model


def arima_fit(history: np.ndarray, season: int):
    """The ARIMA model chosen by KPSS and AICc on `history`, fitted, and its options."""
    d = int(kpss(history, regression="c", nlags="auto")[1] < 0.05)
    seasonal_order = (0, 1, 1, season) if season > 1 and len(history) >= 3 * season else (0, 0, 0, 0)
    fits = []
    for p, q in itertools.product((0, 1) if seasonal_order[3] else (0, 1, 2), (0, 1)):
        options = {"order": (p, d, q), "seasonal_order": seasonal_order, "trend": _ARIMA_TREND[d + seasonal_order[1]]}
        fits.append((_fitted(lambda o=options: ARIMA(history, **o).fit(cov_type="none")), options))  # AICc needs no standard errors
    return _lowest_aicc(fits)


def _from_cutoffs(observations: np.ndarray, training: int, horizon: int, forecast_from: Callable) -> np.ndarray:
    """`forecast_from(observations up to the cutoff)` -> (horizon,) at every cutoff of the test window, cutoff-major."""
    return np.concatenate([forecast_from(observations[: training + cutoff]) for cutoff in range(len(observations) - training)])


def _fitted(fit: Callable):
    try:
        return fit()
    except (ValueError, np.linalg.LinAlgError):
        return None


def _lowest_aicc(fits: list):
    usable = [(fit, options) for fit, options in fits if fit is not None and np.isfinite(fit.aicc)]
    if not usable:
        raise ValueError("no candidate model could be fitted to the training window")
    return min(usable, key=lambda pair: pair[0].aicc)


_Fitted = tuple[np.ndarray, np.ndarray, str]  # forecasts and their predictive standard deviations (cutoff-major), the model
_ARIMA_TREND = {0: "c", 1: "t", 2: "n"}  # by total differencing: a constant, a drift, none (statsmodels refuses lower orders)
_METHODS = dict(zip(BASELINES, (_naive, _seasonal_naive, _ets, _arima)))
