"""Whether a series can hold the windows, batches and origins the config asks for: refused with the key named, or
noted (rows trimmed to whole batches, forecasts through a batch-1 copy)."""

from __future__ import annotations

import numpy as np

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from trainables import (
    INTERVAL_METRICS,
    SEASONALLY_SCALED,
    TRAIN_ROWS_MULTIPLE,
    ModelSpec,
    Origin,
    Point,
    forecast_batch_size,
    minimum_calibration,
    minimum_length,
    prepare,
    training_rows,
)


class SeriesTooShort(ConfigError):
    """A series that cannot hold the windows the config asks for (or, with `normalise: window` or a `transform`, holds a
    value <= 0):
    refused, or skipped with `data.short_series: skip`."""


def check_data_fits(config: SweepConfig, series: np.ndarray, earliest: Origin, studies: dict[str, list[Point]]) -> list[str]:
    """Refuse points the series cannot hold, naming the key; describe what trimming the others need.

    With several origins the earliest sees the fewest observations: it is the one checked.
    """
    test_size, season = config.data.test_size, config.evaluation.season_for(config.data)
    lowest, full_length, series = float(np.min(series)), len(series), series[earliest.start : earliest.end]
    notes = []
    shapes = {}  # (lags, timesteps, batch_size, difference lag, stl, normalise, transform) -> the first study naming it
    for name, points in studies.items():
        for point in points:
            spec = ModelSpec.from_point(point)
            lag = season if spec.deseasonalise == "seasonal_difference" else config.data.difference_lag
            key = (spec.lags, spec.timesteps, point["batch_size"], lag, spec.deseasonalise == "stl", spec.normalise, spec.transform)
            shapes.setdefault(key, name)
    for (lags, timesteps, batch_size, difference_lag, stl, normalise, transform), name in shapes.items():
        window = lags + timesteps - 1
        _check_origins_fit(config, full_length, len(series), minimum_length(test_size, difference_lag, window))
        _check_length(len(series), test_size, difference_lag, window, name)
        rows = training_rows(len(series) - difference_lag - window - test_size, 1)
        if batch_size > rows:
            raise SeriesTooShort(f"`studies.{name}.batch_size` ({batch_size}) is larger than the {rows} training rows")
        if stl:  # with early stopping, STL is first fitted on the training window less its validation observations
            _check_stl_fits(len(series) - test_size - (config.early_stopping.validation if config.early_stopping else 0), season, name)
        if normalise == "window" and lowest <= 0:
            raise SeriesTooShort(
                f"`studies.{name}.normalise` lists window, which divides each input window by its last observation, and the "
                f"series holds {lowest:g}: it needs positive values throughout; use normalise: [series]"
            )
        if transform != "none" and lowest <= 0:
            raise SeriesTooShort(
                f"`studies.{name}.transform` lists {transform}, defined for positive values only, and the series holds "
                f"{lowest:g}: use transform: [none]"
            )
        try:
            prepared = prepare(series, test_size, difference_lag=difference_lag, lags=lags, timesteps=timesteps, batch_size=batch_size,
                               stl_season=season if stl else None, normalise=normalise, transform=transform)  # fmt: skip
        except ValueError as error:
            raise ConfigError(f"`data.source` ({config.data.source_label!r}): {error}") from None
        if config.early_stopping:
            _check_validation_fits(config, series[: len(series) - test_size], batch_size, difference_lag, window)
        if prepared.trimmed_rows:
            untrimmed = len(prepared.train) + prepared.trimmed_rows
            at = " at the earliest origin" if config.evaluation.origins > 1 else ""
            notes.append(
                f"batch_size {batch_size} (input of {window} past values): trains on the last {len(prepared.train)} of "
                f"{untrimmed} training samples{at}, dropping the {prepared.trimmed_rows} oldest so that the samples fill whole batches"
            )
        if forecast_batch_size(prepared, batch_size) != batch_size:
            notes.append(
                f"batch_size {batch_size} does not divide the {test_size} test rows: it trains at batch {batch_size} "
                f"and forecasts with a batch-1 stateful copy of the trained weights"
            )
    _check_mase_scale(config, len(series) - test_size)
    return list(dict.fromkeys(notes))


def _check_validation_fits(config: SweepConfig, training: np.ndarray, batch_size: int, difference_lag: int, window: int) -> None:
    """`early_stopping.validation` holds out the last observations of the earliest origin's training window: what is left
    must still fill a batch of training rows."""
    validation = config.early_stopping.validation
    left = max(0, len(training) - validation - difference_lag - window)
    if training_rows(left, batch_size) < batch_size:
        raise ConfigError(
            f"`early_stopping.validation` ({validation}) leaves {left} training rows at the earliest origin (of "
            f"{len(training)} training observations), fewer than a batch of {batch_size}: hold out fewer observations"
        )


def _check_stl_fits(earliest_training: int, season: int, study: str) -> None:
    """STL estimates a season from each origin's training window: it needs a season of 2 or more, seen twice."""
    if season < 2:
        raise ConfigError(
            f"`studies.{study}.deseasonalise` lists stl, which needs a season of 2 or more and the sweep's is {season}: set "
            "`evaluation.season` (12 for monthly data) or leave stl out"
        )
    if earliest_training < 2 * season:
        raise SeriesTooShort(
            f"`studies.{study}.deseasonalise` lists stl, which fits a season of {season} on each origin's training window, and "
            f"the earliest origin's holds {earliest_training} observations (less `early_stopping.validation`, if any) where STL "
            f"needs two seasons ({2 * season}): use fewer origins, a smaller `data.test_size` or validation, or deseasonalise: "
            "[none, seasonal_difference]"
        )


def check_calibration(config: SweepConfig, origins: list[Origin]) -> list[str]:
    """Note the steps and levels whose intervals can never be calibrated (they stay empty), and how few errors the last
    cutoff knows; refuse only an interval metric that would score nothing.

    A conformal interval at level L needs L / (100 - L) errors known by its cutoff (same method, series and step): the
    last scored cutoff of the last origin knows the most, so when even it falls short no forecast at that step gets one.
    """
    levels, horizon = config.evaluation.levels, config.evaluation.horizon
    if not levels:
        return []
    known = {step: _known_at_the_last_cutoff(origins, step) for step in range(1, horizon + 1)}
    _check_interval_metric_scores_every_origin(config, origins[0], minimum_calibration(levels[-1]), levels[-1])
    notes = []
    for level in levels:
        short = [step for step, count in known.items() if count < minimum_calibration(level)]
        if short:
            notes.append(
                f"intervals at {level:g}% cannot be calibrated at step{'s' if len(short) > 1 else ''} {_steps(short)} (the last "
                f"cutoff knows {known[short[0]]} errors at step {short[0]} where {minimum_calibration(level)} are needed): those "
                "forecasts have no interval at that level; add origins (`evaluation.origins`), lengthen `data.test_size`, or "
                "lower the level"
            )  # fmt: skip
    calibrated = [step for step, count in known.items() if count >= minimum_calibration(levels[-1])]
    if calibrated and known[calibrated[-1]] < 4 * minimum_calibration(levels[-1]):
        step = calibrated[-1]
        notes.append(f"intervals at {levels[-1]:g}% and step {step} are calibrated on at most {known[step]} known errors (the last "
                     "cutoff; earlier ones know fewer, and the first have no interval): their coverage is noisy")  # fmt: skip
    return notes


def _known_at_the_last_cutoff(origins: list[Origin], step: int) -> int:
    """Errors at `step` whose targets the last cutoff scored at that step has observed (every origin's)."""
    last_cutoff = origins[-1].end - 1 - step
    return sum(
        origin.test_start + cutoff + step - 1 <= last_cutoff
        for origin in origins for cutoff in range(origin.end - origin.test_start - step + 1)
    )  # fmt: skip


def _steps(steps: list[int]) -> str:
    """'3' or '10-12' (the short steps are the last ones: later steps know fewer errors)."""
    return str(steps[0]) if len(steps) == 1 else f"{steps[0]}-{steps[-1]}"


def _check_interval_metric_scores_every_origin(config: SweepConfig, earliest: Origin, needed: int, level: float) -> None:
    """An interval metric scores each origin's calibrated forecasts; the earliest origin knows only its own errors: at
    its last cutoff, test_size - 1 of them at step 1. With fewer than the highest level needs, it would score nothing."""
    metric, known = config.evaluation.metric, earliest.end - earliest.test_start - 1
    if metric in INTERVAL_METRICS and known < needed:
        raise SeriesTooShort(
            f"`evaluation.metric: {metric}` scores each origin's forecasts that have an interval at every level, and the "
            f"earliest origin knows at most {known} errors (its own, test_size - 1 at step 1) where {level:g}% needs "
            f"{needed}: set data.test_size to {needed + 1} or more, or lower the highest level"
        )


def _check_mase_scale(config: SweepConfig, earliest_training: int) -> None:
    """MASE divides by the seasonal naive's in-sample error on an origin's training window: undefined within one season."""
    season = config.evaluation.season_for(config.data)
    metric = config.evaluation.metric
    if metric not in SEASONALLY_SCALED or earliest_training > season:
        return
    fixes = "use fewer origins or a smaller `evaluation.step`, " if config.evaluation.origins > 1 else ""
    raise SeriesTooShort(
        f"`evaluation.metric: {metric}` divides by the seasonal naive's in-sample error on each origin's training window, and "
        f"the earliest origin's holds {earliest_training} observations, not more than the season ({season}); it needs at "
        f"least {season + 1}: {fixes}a smaller `data.test_size`, or `evaluation.metric: smape`"
    )


def _check_origins_fit(config: SweepConfig, full_length: int, earliest_length: int, needed: int) -> None:
    """Blame the origins when the whole series would be long enough for one."""
    if config.evaluation.origins == 1 or earliest_length >= needed or full_length < needed:
        return
    origins, step = config.evaluation.origins, config.evaluation.step_for(config.data)
    raise SeriesTooShort(
        f"`evaluation.origins` ({origins}) `step` {step} apart leave the earliest origin {earliest_length} of the series' "
        f"{full_length} observations; it needs at least {needed}: use fewer origins or a smaller `evaluation.step`"
    )


def _check_length(length: int, test_size: int, difference_lag: int, window: int, study: str) -> None:
    """Blame the window when the series would hold the study's reference window (1), else test_size or the lag."""
    needed = minimum_length(test_size, difference_lag, window)
    if length >= needed:
        return
    sizes = f"test_size {test_size} + difference_lag {difference_lag} + window {window} + {TRAIN_ROWS_MULTIPLE} training rows"
    if length >= minimum_length(test_size, difference_lag, 1):
        raise SeriesTooShort(
            f"`studies.{study}` asks for a window of {window} past differences (lags + timesteps - 1), too long for the "
            f"series: it has {length} observations and needs at least {needed} ({sizes}); shorten `lags`/`timesteps`"
        )
    keys = f"`data.test_size` ({test_size}) leaves"
    if difference_lag > 1:
        keys = f"`data.test_size` ({test_size}) and `data.difference_lag` ({difference_lag}) leave"
    raise SeriesTooShort(f"{keys} too few training rows: the series has {length} observations and needs at least {needed} ({sizes})")
