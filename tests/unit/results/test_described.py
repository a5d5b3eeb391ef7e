"""Every group's describe(), computed at once, is pandas' own to the last digit: with NaN (left out of the count, summed
as zeros where they stand), infinities, groups of one and groups with nothing but NaN, in sorted or first-seen order."""

import numpy as np
import pandas as pd
import pytest

from sweep.results.described import grouped_describe


@pytest.mark.parametrize("seed", range(12))
def test_each_groups_description_is_pandas_describe_exactly(seed):
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 2000))
    keys = pd.DataFrame({"series": rng.choice(["b", "a", "c"], rows), "study": rng.choice(["s", "t"], rows),
                         "epochs": pd.array(rng.integers(1, 15, rows), dtype="Int64")})  # fmt: skip
    values = pd.Series(rng.lognormal(3, 2, rows) * rng.choice([1, 1e-3, 1e6], rows))
    values[rng.random(rows) < 0.05] = np.nan
    values[rng.random(rows) < 0.01 * (seed % 2)] = np.inf
    values[keys["series"] == "c"] = np.nan if seed % 3 == 0 else values[keys["series"] == "c"]
    keys.loc[rng.random(rows) < 0.02, "epochs"] = pd.NA  # a row without a key: in no group, as groupby leaves it
    sort = seed % 4 != 0
    with np.errstate(invalid="ignore"):  # inf - inf, as pandas meets it too
        expected = values.groupby([keys[column] for column in keys], sort=sort).describe()
        described = grouped_describe(values, keys, sort=sort)
    pd.testing.assert_frame_equal(described, expected, check_exact=True)
