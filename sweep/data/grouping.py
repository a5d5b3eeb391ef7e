"""Rows of each group of a large frame from one sort: selecting each group by a scan of every row is quadratic in a
catalogue's size (10,000 series of millions of rows), and a pandas groupby first copies the whole frame in group order."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rows_by_group(codes: np.ndarray, count: int) -> list[np.ndarray]:
    """Each group's row positions, in the rows' order, for group codes 0 to `count` - 1 (pandas' `factorize`, `ngroup`)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(count + 1))
    return [order[bounds[group] : bounds[group + 1]] for group in range(count)]


def rows_of_each(column: pd.Series) -> dict:
    """Each value's row positions in `column`, in the rows' order (`rows_by_group` of its values)."""
    codes, values = pd.factorize(column)
    return dict(zip(values, rows_by_group(codes, len(values))))
