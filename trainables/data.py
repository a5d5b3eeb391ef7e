"""The protocol's data preparation: difference, frame with one lag, split, scale, trim; and back.

Pure NumPy/scikit-learn on an in-memory series: reading files is `sweep`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import MinMaxScaler

TRAIN_ROWS_MULTIPLE = 4  # the study trims the training set to a multiple of its largest batch size


@dataclass(frozen=True)
class PreparedSeries:
    """A series ready for training, with what is needed to turn forecasts back into sales.

    Supervised row r holds `(x = d[r], target = d[r+1])` of the lag-1 differences
    `d[t] = raw[t+1] - raw[t]`, so its target is the observation `raw[r + 2]`.
    """

    raw: np.ndarray  # (n,) the original observations
    train: np.ndarray  # (n_train, 2) scaled [x, target] rows after trimming, float32
    test: np.ndarray  # (test_size, 2) scaled [x, target] rows, float32
    scaler: MinMaxScaler  # fitted on the untrimmed training rows only
    trimmed_rows: int  # leading training rows dropped so n_train is a multiple of TRAIN_ROWS_MULTIPLE

    @property
    def train_target_index(self) -> int:
        """Index in `raw` of the first trimmed training row's target observation."""
        return self.trimmed_rows + 2

    @property
    def test_target_index(self) -> int:
        return len(self.raw) - len(self.test)

    def to_observations(self, scaled_yhat: np.ndarray, first_target_index: int) -> np.ndarray:
        """Invert scaling, then differencing, of consecutive one-step forecasts.

        `scaled_yhat` has shape (k,) or (..., k); forecast i is for `raw[first_target_index + i]`,
        so it is rebuilt from the previous month's actual value `raw[first_target_index + i - 1]`.
        """
        scaled_yhat = np.asarray(scaled_yhat, dtype=np.float64)
        k = scaled_yhat.shape[-1]
        previous = self.raw[first_target_index - 1 : first_target_index - 1 + k]
        # The target column of MinMaxScaler inverts independently of x: (y - min_) / scale_.
        differences = (scaled_yhat - self.scaler.min_[-1]) / self.scaler.scale_[-1]
        return differences + previous

    def rmse(self, scaled_yhat: np.ndarray, first_target_index: int) -> np.ndarray:
        """RMSE in sales units of scaled forecasts against the observations they target."""
        forecasts = self.to_observations(scaled_yhat, first_target_index)
        k = forecasts.shape[-1]
        actual = self.raw[first_target_index : first_target_index + k]
        return np.sqrt(np.mean((forecasts - actual) ** 2, axis=-1))

    def train_rmse(self, scaled_yhat: np.ndarray) -> np.ndarray:
        return self.rmse(scaled_yhat, self.train_target_index)

    def test_rmse(self, scaled_yhat: np.ndarray) -> np.ndarray:
        return self.rmse(scaled_yhat, self.test_target_index)


def difference(series: np.ndarray, lag: int = 1) -> np.ndarray:
    return series[lag:] - series[:-lag]


def frame_supervised(values: np.ndarray) -> np.ndarray:
    """Rows `(d[t-1], d[t])`; the first row, which would have no lag, is dropped."""
    return np.column_stack([values[:-1], values[1:]])


def minimum_length(test_size: int) -> int:
    """The shortest series that leaves one full batch of training rows after framing and trimming."""
    return test_size + 2 + TRAIN_ROWS_MULTIPLE


def prepare(series: np.ndarray, test_size: int) -> PreparedSeries:
    """Apply the protocol's preparation steps, in the protocol's order."""
    raw = np.asarray(series, dtype=np.float64)
    if raw.ndim != 1:
        raise ValueError(f"series must be one-dimensional; received shape {raw.shape}")
    if len(raw) < minimum_length(test_size):
        raise ValueError(
            f"series has {len(raw)} observations; with test_size {test_size} it needs at least "
            f"{minimum_length(test_size)}"
        )
    supervised = frame_supervised(difference(raw))
    train, test = supervised[:-test_size], supervised[-test_size:]
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    if np.any(scaler.data_range_ == 0):
        raise ValueError("the training differences are constant; there is nothing to scale")
    trimmed_rows = len(train) % TRAIN_ROWS_MULTIPLE
    return PreparedSeries(
        raw=raw,
        train=scaler.transform(train)[trimmed_rows:].astype(np.float32),
        test=scaler.transform(test).astype(np.float32),
        scaler=scaler,
        trimmed_rows=trimmed_rows,
    )


def valid_batch_sizes(prepared: PreparedSeries) -> list[int]:
    """Batch sizes that split both the training rows and the test rows into whole batches."""
    common = math.gcd(len(prepared.train), len(prepared.test))
    return [size for size in range(1, common + 1) if common % size == 0]


def persistence_rmse(series: np.ndarray, test_size: int) -> float:
    """The naive forecast (next month = this month) scored on the test window."""
    raw = np.asarray(series, dtype=np.float64)
    return float(np.sqrt(np.mean((raw[-test_size:] - raw[-test_size - 1 : -1]) ** 2)))
