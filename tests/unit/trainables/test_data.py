import numpy as np
import pytest

from trainables.data import difference, forecast_batch_size, frame_supervised, persistence_rmse, prepare


def test_shampoo_loads_as_36_months(shampoo):
    assert shampoo.shape == (36,)
    assert shampoo[:3].tolist() == [266.0, 145.9, 183.1]
    assert shampoo[-1] == 646.9


def test_framing_gives_34_rows_of_lagged_differences(shampoo):
    framed = frame_supervised(difference(shampoo))
    assert framed.shape == (34, 2)
    # d[1] = 145.9 - 266.0, d[2] = 183.1 - 145.9: the first row pairs them
    np.testing.assert_allclose(framed[0], [-120.1, 37.2])
    np.testing.assert_allclose(framed[-1], [shampoo[-2] - shampoo[-3], shampoo[-1] - shampoo[-2]])


def test_prepare_splits_scales_on_train_and_trims(shampoo):
    prepared = prepare(shampoo, test_size=12)
    assert prepared.train.shape == (20, 2)
    assert prepared.test.shape == (12, 2)
    assert prepared.trimmed_rows == 2
    # the scaler saw only the 22 untrimmed training rows: they span exactly [-1, 1]
    untrimmed = prepared.scaler.transform(frame_supervised(difference(shampoo))[:22])
    np.testing.assert_allclose(untrimmed.min(axis=0), [-1, -1])
    np.testing.assert_allclose(untrimmed.max(axis=0), [1, 1])
    np.testing.assert_allclose(prepared.train, untrimmed[2:], rtol=1e-6)
    assert prepared.train.dtype == np.float32


def test_inverting_scaled_targets_gives_back_the_observations(shampoo):
    prepared = prepare(shampoo, test_size=12)
    np.testing.assert_allclose(prepared.to_observations(prepared.test[:, 1], prepared.test_target_index), shampoo[-12:], atol=1e-3)
    # the trimmed training rows target months 5..24 (indices 4..23)
    np.testing.assert_allclose(prepared.to_observations(prepared.train[:, 1], prepared.train_target_index), shampoo[4:24], atol=1e-3)
    assert prepared.test_rmse(prepared.test[:, 1]) < 1e-3


def test_persistence_baseline_matches_the_study(shampoo):
    assert round(persistence_rmse(shampoo, 12), 3) == 136.761
    # at the differencing lag it is the zero-difference forecast: seasonal naive at lag 12
    assert persistence_rmse(shampoo, 6, difference_lag=12) == np.sqrt(np.mean((shampoo[-6:] - shampoo[-18:-12]) ** 2))


@pytest.mark.parametrize(
    "batch_size, rows, forecast_batch",
    [(1, 20, 1), (2, 20, 2), (4, 20, 4), (3, 18, 3), (5, 20, 1), (8, 16, 1), (20, 20, 1)],
)
def test_training_rows_are_trimmed_to_whole_batches(shampoo, batch_size, rows, forecast_batch):
    """The protocol's trim to a multiple of 4 first, so batches 1, 2 and 4 all see the same 20 rows."""
    prepared = prepare(shampoo, 12, batch_size=batch_size)
    assert len(prepared.train) == rows and prepared.trimmed_rows == 22 - rows
    assert forecast_batch_size(prepared, batch_size) == forecast_batch
    # trimming drops leading rows only: the last training row is always month 24's
    np.testing.assert_allclose(prepared.train[-1], prepare(shampoo, 12).train[-1])


def test_lags_and_timesteps_frame_overlapping_windows(shampoo):
    prepared = prepare(shampoo, 12, lags=2, timesteps=3)
    d = difference(shampoo)
    assert prepared.window == 4 and prepared.train.shape == (16, 5) and prepared.trimmed_rows == 3
    raw_rows = prepared.scaler.inverse_transform(prepared.test)
    np.testing.assert_allclose(raw_rows[-1], d[-5:], atol=1e-3)  # 4 inputs then the target
    samples = prepared.samples(prepared.test)
    assert samples.shape == (12, 3, 2)
    np.testing.assert_array_equal(samples[0, 1], prepared.test[0, 1:3])  # step s sees columns s..s+lags-1
    np.testing.assert_allclose(prepared.to_observations(prepared.test[:, -1], prepared.test_target_index), shampoo[-12:], atol=1e-3)
    np.testing.assert_allclose(prepared.to_observations(prepared.train[:, -1], prepared.train_target_index), shampoo[8:24], atol=1e-3)


def test_seasonal_differencing_inverts_from_the_observation_a_lag_earlier(shampoo):
    prepared = prepare(shampoo, 6, difference_lag=12)
    np.testing.assert_allclose(prepared.scaler.inverse_transform(prepared.test)[:, -1], shampoo[-6:] - shampoo[-18:-12], atol=1e-3)
    np.testing.assert_allclose(prepared.to_observations(prepared.test[:, -1], prepared.test_target_index), shampoo[-6:], atol=1e-3)
    np.testing.assert_allclose(prepared.to_observations(prepared.train[:, -1], prepared.train_target_index), shampoo[14:30], atol=1e-3)


def test_too_short_and_constant_series_are_refused():
    with pytest.raises(
        ValueError, match="series has 10 observations; with test_size 12, difference_lag 1 and a window of 1 it needs at least 18"
    ):
        prepare(np.arange(10.0), 12)
    with pytest.raises(ValueError, match="constant"):
        prepare(np.arange(40.0), 12)
