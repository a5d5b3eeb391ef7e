"""The protocol's data preparation: difference, frame with lags, split, scale, trim; and back.

Pure NumPy/scikit-learn on an in-memory series: reading files is `sweep`'s job. With the defaults
(difference lag 1, one lag feature, one time step, batch 4) this is exactly the protocol's preparation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from trainables.transforms import Transform

TRAIN_ROWS_MULTIPLE = 4  # the study trims the training set to a multiple of its largest batch size


@dataclass(frozen=True)
class SeasonalPart:
    """A seasonal component fitted on a training window (STL), its last season repeated beyond the window."""

    fitted: np.ndarray  # (training observations,)
    season: int

    @classmethod
    def stl(cls, training: np.ndarray, season: int) -> SeasonalPart:
        """statsmodels' robust STL on the training observations only: nothing after them shapes the season."""
        from statsmodels.tsa.seasonal import STL

        return cls(np.asarray(STL(training, period=season, robust=True).fit().seasonal, dtype=np.float64), season)

    def at(self, index: np.ndarray) -> np.ndarray:
        index, fitted = np.asarray(index), len(self.fitted)
        repeated = fitted - self.season + (index - fitted) % self.season
        return self.fitted[np.where(index < fitted, index, repeated)]


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for training, with what is needed to turn forecasts back into observations.

    With differences `d[t] = raw[t+difference_lag] - raw[t]` and `window = lags + timesteps - 1`,
    supervised row r holds the scaled `(d[r], ..., d[r+window-1], target = d[r+window])`, so its
    target is the observation `raw[r + window + difference_lag]`. A sample's time step s sees the
    window's columns s..s+lags-1.
    """

    raw: np.ndarray  # (n,) the original observations
    train: np.ndarray  # (n_train, window + 1) scaled rows after trimming, float32
    test: np.ndarray  # (test_size, window + 1) scaled rows, float32
    scaler: MinMaxScaler  # fitted on the untrimmed training rows only, one range per column
    trimmed_rows: int  # leading training rows dropped so n_train is a multiple of the batch sizes
    difference_lag: int = 1  # raw[t + difference_lag] - raw[t] are the differences modelled
    lags: int = 1  # lag observations (differences) per time step: the model's input features
    timesteps: int = 1
    seasonal: SeasonalPart | None = None  # deseasonalised (STL): `raw` is the adjusted series, this is added back
    normalise: str = "series"  # series: the min-max scaler; window: each row divided by its last observed level
    transform: Transform = Transform()  # `raw` is the transformed series; forecasts and observations are mapped back

    @property
    def window(self) -> int:
        return self.lags + self.timesteps - 1

    def _seasonal_at(self, index: np.ndarray) -> np.ndarray | float:
        return 0.0 if self.seasonal is None else self.seasonal.at(index)

    def observed(self, first_index: int, count: int) -> np.ndarray:
        """The observations (seasonal part included, in the series' units) at `first_index`, ..."""
        index = np.arange(first_index, first_index + count)
        return self.transform.inverse(self.raw[index] + self._seasonal_at(index))

    def level_before(self, target_index: np.ndarray) -> np.ndarray:
        """The last observation known before each target: what `normalise: window` divides a row by."""
        return self.raw[target_index - 1] + self._seasonal_at(target_index - 1)

    def _differences(self, scaled_yhat: np.ndarray, target_index: np.ndarray) -> np.ndarray:
        """Scaled targets back to differences: the scaler's target column inverted, or times each row's level."""
        scaled_yhat = np.asarray(scaled_yhat, dtype=np.float64)
        if self.normalise == "window":
            return scaled_yhat * self.level_before(target_index)
        # The target column of MinMaxScaler inverts independently of the inputs: (y - min_) / scale_.
        return (scaled_yhat - self.scaler.min_[-1]) / self.scaler.scale_[-1]

    @property
    def train_target_index(self) -> int:
        """Index in `raw` of the first trimmed training row's target observation."""
        return self.trimmed_rows + self.window + self.difference_lag

    @property
    def test_target_index(self) -> int:
        """Index of the first test row's target: right after the training rows' (`len(raw)` for `prepare_future`'s row,
        whose target is the unknown next observation)."""
        return self.train_target_index + len(self.train)

    def samples(self, rows: np.ndarray) -> np.ndarray:
        """Scaled rows -> LSTM input (rows, timesteps, lags)."""
        windows = np.lib.stride_tricks.sliding_window_view(rows[:, :-1], self.lags, axis=1)
        return np.ascontiguousarray(windows, dtype=np.float32)

    def train_targets(self, outputs: int = 1) -> np.ndarray:
        """Scaled training targets: (n_train,) one step; (n_train, outputs) for a direct model, row r's step j the target of
        row r + j, NaN past the training window (no row looks into the test window)."""
        targets = self.train[:, -1]
        if outputs == 1:
            return targets
        levels = self.level_before(self.train_target_index + np.arange(len(targets))) if self.normalise == "window" else None
        if levels is not None:  # later steps are scaled by the row's own level, not by their rows'
            targets = targets * levels
        padded = np.append(targets, np.full(outputs - 1, np.nan, dtype=targets.dtype))
        steps = np.lib.stride_tricks.sliding_window_view(padded, outputs).copy()
        return steps if levels is None else (steps / levels[:, None]).astype(np.float32)

    def to_observations(self, scaled_yhat: np.ndarray, first_target_index: int) -> np.ndarray:
        """Invert scaling, then differencing, of consecutive one-step forecasts.

        `scaled_yhat` has shape (k,) or (..., k); forecast i is for `raw[first_target_index + i]`,
        so it is rebuilt from the actual observation `difference_lag` steps earlier.
        """
        k = np.shape(scaled_yhat)[-1]
        start = first_target_index - self.difference_lag
        previous = self.raw[start : start + k]
        targets = np.arange(first_target_index, first_target_index + k)
        return self.transform.inverse(self._differences(scaled_yhat, targets) + previous + self._seasonal_at(targets))

    def to_step_observations(self, scaled_yhat: np.ndarray, first_target_index: int) -> np.ndarray:
        """Invert scaling, then differencing, of multi-step forecasts (..., cutoffs, horizon).

        Cutoff k's last known observation is `raw[first_target_index + k - 1]`; its step h adds the
        forecast difference to the observation `difference_lag` steps before its target, which is
        itself a forecast once h > difference_lag. With horizon 1 this is `to_observations`. Window-normalised, every
        step of a cutoff is scaled by the cutoff's last known level.
        """
        cutoffs, horizon = np.shape(scaled_yhat)[-2:]
        last_known = first_target_index - 1 + np.arange(cutoffs)
        differences = self._differences(scaled_yhat, last_known[:, None] + 1)
        observations = np.empty_like(differences)
        for step in range(horizon):
            if step < self.difference_lag:
                previous = self.raw[last_known + step + 1 - self.difference_lag]
            else:
                previous = observations[..., step - self.difference_lag]
            observations[..., step] = differences[..., step] + previous
        return self.transform.inverse(observations + self._seasonal_at(last_known[:, None] + 1 + np.arange(horizon)))

    def test_scaling(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, scale) of every test row's columns as float32, each (test rows, window + 1): a row's inputs are
        `difference * scale[:window] + low[:window]`, its target column the last; what a recursive forecast needs to turn
        its own forecasts into the next inputs (window-normalised: the row's cutoff level throughout)."""
        if self.normalise == "window":
            inverse = 1.0 / self.level_before(self.test_target_index + np.arange(len(self.test)))
            return np.zeros(self.test.shape, np.float32), np.repeat(inverse[:, None], self.test.shape[1], axis=1).astype(np.float32)
        low, scale = (np.broadcast_to(part.astype(np.float32), self.test.shape) for part in (self.scaler.min_, self.scaler.scale_))
        return low, scale

    def rmse(self, scaled_yhat: np.ndarray, first_target_index: int) -> np.ndarray:
        """RMSE in the series' units of scaled forecasts against the observations they target."""
        forecasts = self.to_observations(scaled_yhat, first_target_index)
        actual = self.observed(first_target_index, forecasts.shape[-1])
        return np.sqrt(np.mean((forecasts - actual) ** 2, axis=-1))

    def train_rmse(self, scaled_yhat: np.ndarray) -> np.ndarray:
        return self.rmse(scaled_yhat, self.train_target_index)

    def test_rmse(self, scaled_yhat: np.ndarray) -> np.ndarray:
        return self.rmse(scaled_yhat, self.test_target_index)


@dataclass(frozen=True)
class PooledSeries:
    """Several series' windows fitted by one set of weights (global training).

    Each series keeps its own preparation (scaler, differences) and its own stateful lanes: batch k of
    the pooled fit holds batch k of every series side by side, so one gradient step averages over all
    of them. Members are aligned at their ends: each trains on the last `len(train)` rows they share.
    """

    members: tuple[PreparedSeries, ...]

    @classmethod
    def aligned(cls, members: list[PreparedSeries]) -> PooledSeries:
        """The members, each cut to the shortest one's training rows (its earliest rows dropped, like trimmed ones)."""
        rows = min(len(member.train) for member in members)
        return cls(tuple(
            replace(member, train=member.train[len(member.train) - rows :], trimmed_rows=member.trimmed_rows + len(member.train) - rows)
            for member in members
        ))  # fmt: skip


def members_of(data: PreparedSeries | PooledSeries) -> tuple[PreparedSeries, ...]:
    """The series a dataset holds: one for a local fit."""
    return data.members if isinstance(data, PooledSeries) else (data,)


def side_by_side(per_member: list[np.ndarray], batch_size: int) -> np.ndarray:
    """Members' rows (rows, ...) -> (batches, members * batch_size, ...): batch k holds each member's batch k in turn."""
    return np.concatenate([rows.reshape(-1, batch_size, *rows.shape[1:]) for rows in per_member], axis=1)


def member_major(outputs: np.ndarray, members: int, batch_size: int) -> np.ndarray:
    """Undo `side_by_side` on outputs: (lanes, batches, members * batch_size, ...) -> (lanes, members, batches * batch_size, ...)."""
    lanes, batches = outputs.shape[:2]
    split = outputs.reshape(lanes, batches, members, batch_size, *outputs.shape[3:])
    return np.swapaxes(split, 1, 2).reshape(lanes, members, batches * batch_size, *outputs.shape[3:])


def difference(series: np.ndarray, difference_lag: int = 1) -> np.ndarray:
    return series[difference_lag:] - series[:-difference_lag]


def frame_supervised(values: np.ndarray, window: int = 1) -> np.ndarray:
    """Rows `(d[t-window], ..., d[t-1], d[t])`; the first `window` values, which lack a full window, start no row."""
    return np.lib.stride_tricks.sliding_window_view(values, window + 1)


def minimum_length(test_size: int, difference_lag: int = 1, window: int = 1) -> int:
    """The shortest series that leaves one full batch of 4 training rows after framing and trimming."""
    return test_size + difference_lag + window + TRAIN_ROWS_MULTIPLE


def training_rows(untrimmed: int, batch_size: int) -> int:
    """The protocol trims to a multiple of 4; a batch size that does not divide that trims further."""
    protocol_rows = untrimmed - untrimmed % TRAIN_ROWS_MULTIPLE
    return protocol_rows - protocol_rows % batch_size


def prepare(
    series: np.ndarray,
    test_size: int,
    *,
    difference_lag: int = 1,
    lags: int = 1,
    timesteps: int = 1,
    batch_size: int = TRAIN_ROWS_MULTIPLE,
    stl_season: int | None = None,
    normalise: str = "series",
    transform: str = "none",
) -> PreparedSeries:
    """Apply the protocol's preparation steps, in the protocol's order (the defaults are the protocol's).

    `transform`: first transform the observations by a transform fitted on the training observations (`Transform`).
    `stl_season`: then take out an STL seasonal part fitted on the training observations (added back to forecasts).
    `normalise: window`: divide each row by its last observed level instead of min-max scaling the series."""
    raw = np.asarray(series, dtype=np.float64)
    window = lags + timesteps - 1
    if raw.ndim != 1:
        raise ValueError(f"series must be one-dimensional; received shape {raw.shape}")
    if len(raw) < minimum_length(test_size, difference_lag, window):
        raise ValueError(
            f"series has {len(raw)} observations; with test_size {test_size}, difference_lag {difference_lag} and a "
            f"window of {window} it needs at least {minimum_length(test_size, difference_lag, window)}"
        )
    fitted = Transform.fit(transform, raw[: len(raw) - test_size])
    raw = fitted.forward(raw)
    adjusted, seasonal = _deseasonalised(raw, len(raw) - test_size, stl_season)
    supervised = frame_supervised(difference(adjusted, difference_lag), window)
    prepared = _scaled(adjusted, supervised[:-test_size], supervised[-test_size:], batch_size, difference_lag, lags, timesteps)
    return _normalised(replace(prepared, seasonal=seasonal, transform=fitted), normalise, raw)


def prepare_future(
    series: np.ndarray,
    *,
    difference_lag: int = 1,
    lags: int = 1,
    timesteps: int = 1,
    batch_size: int = TRAIN_ROWS_MULTIPLE,
    stl_season: int | None = None,
    normalise: str = "series",
    transform: str = "none",
) -> PreparedSeries:
    """The whole series as training rows, and one test row: the window that forecasts the next observation.

    Its target is unknown (0 stands in); forecast it with `to_observations(yhat, len(series))`.
    """
    observations = np.asarray(series, dtype=np.float64)
    fitted = Transform.fit(transform, observations)
    raw = fitted.forward(observations)
    adjusted, seasonal = _deseasonalised(raw, len(raw), stl_season)
    window = lags + timesteps - 1
    differences = difference(adjusted, difference_lag)
    next_row = np.append(differences[len(differences) - window :], 0.0)[None, :]
    prepared = _scaled(adjusted, frame_supervised(differences, window), next_row, batch_size, difference_lag, lags, timesteps)
    return _normalised(replace(prepared, seasonal=seasonal, transform=fitted), normalise, raw)


def _deseasonalised(raw: np.ndarray, training: int, stl_season: int | None) -> tuple[np.ndarray, SeasonalPart | None]:
    """The series less an STL seasonal part fitted on its first `training` observations; as it is without `stl_season`."""
    if not stl_season:
        return raw, None
    seasonal = SeasonalPart.stl(raw[:training], stl_season)
    return raw - seasonal.at(np.arange(len(raw))), seasonal


def _scaled(raw, train, test, batch_size: int, difference_lag: int, lags: int, timesteps: int) -> PreparedSeries:
    """Fit the scaler on the training rows only, scale both, trim the training rows to whole batches."""
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    if np.any(scaler.data_range_ == 0):
        raise ValueError("the training differences are constant; there is nothing to scale")
    kept = training_rows(len(train), batch_size)
    if kept == 0:
        raise ValueError(f"batch_size {batch_size} is larger than the {len(train) - len(train) % TRAIN_ROWS_MULTIPLE} training rows")
    return PreparedSeries(
        raw=raw,
        train=scaler.transform(train)[len(train) - kept :].astype(np.float32),
        test=scaler.transform(test).astype(np.float32),
        scaler=scaler,
        trimmed_rows=len(train) - kept,
        difference_lag=difference_lag,
        lags=lags,
        timesteps=timesteps,
    )


def _normalised(prepared: PreparedSeries, normalise: str, observations: np.ndarray) -> PreparedSeries:
    """Window normalisation (Hewamalage et al. 2021): every row's differences, target included, divided by the last
    observation before its target, so series of any scale share one input range; the scaler is then unused."""
    if normalise == "series":
        return prepared
    if np.any(observations <= 0):
        raise ValueError(
            f"normalise: window divides each row by the series' level, which must be positive; the series holds {observations.min():g}"
        )
    unscaled = [prepared.scaler.inverse_transform(rows) for rows in (prepared.train, prepared.test)]
    first_targets = (prepared.train_target_index, prepared.test_target_index)
    levels = [prepared.level_before(first + np.arange(len(rows)))[:, None] for rows, first in zip(unscaled, first_targets)]
    train, test = ((rows / level).astype(np.float32) for rows, level in zip(unscaled, levels))
    return replace(prepared, train=train, test=test, normalise=normalise)


def forecast_batch_size(prepared: PreparedSeries, batch_size: int) -> int:
    """The training batch size where it splits the test rows too (the protocol's case), else 1.

    Training rows always divide (they are trimmed to); the test window is fixed, so a batch size that
    does not divide it forecasts with a batch-1 stateful copy of the trained weights.
    """
    return batch_size if len(prepared.test) % batch_size == 0 else 1


def persistence_rmse(series: np.ndarray, test_size: int, difference_lag: int = 1) -> float:
    """The naive forecast on the test window: each observation forecast by the one `difference_lag` steps earlier.

    It is what a model forecasting a zero difference would score: at lag 12, the seasonal naive forecast.
    """
    raw = np.asarray(series, dtype=np.float64)
    earlier = raw[-test_size - difference_lag : len(raw) - difference_lag]
    return float(np.sqrt(np.mean((raw[-test_size:] - earlier) ** 2)))


def persistence_description(difference_lag: int) -> str:
    if difference_lag == 1:
        return "each forecast = the last observation"
    return f"each forecast = the observation {difference_lag} steps earlier"
