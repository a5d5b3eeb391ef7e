"""The `transform` axis: a variance-stabilising transform of the observations, fitted on an origin's training window only.

It is applied before anything else of the preparation (differencing, deseasonalising, normalising), and the model's
forecasts are mapped back through its inverse. A monotone transform maps quantiles to quantiles, so a forecast that is
the median in the transformed space is the median in the series' units (no bias adjustment towards the mean is made):
the forecast is scored, and the conformal intervals calibrated, in the series' units, on those back-transformed forecasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import boxcox, inv_boxcox

TRANSFORMS = ("none", "log", "box_cox")
# Box-Cox's lambda, estimated by maximum likelihood, is held to [0, 1]: a negative lambda maps every transformed
# forecast above -1/lambda to infinity, and above 1 the transform amplifies the variance it is meant to stabilise.
LAMBDA_BOUNDS = (0.0, 1.0)


@dataclass(frozen=True)
class Transform:
    """One origin's fitted transform: `forward` on the observations, `inverse` on the forecasts."""

    kind: str = "none"
    lam: float = 1.0  # Box-Cox's lambda (0 is the log)

    @classmethod
    def fit(cls, kind: str, training: np.ndarray) -> Transform:
        """The transform `kind` fitted on `training` (the observations before the origin's test window): it needs them
        positive; for box_cox, lambda by maximum likelihood, within `LAMBDA_BOUNDS`."""
        if kind == "none":
            return cls()
        if np.min(training) <= 0:
            raise ValueError(f"transform {kind} needs positive observations; the training window holds {np.min(training):g}")
        if kind == "log":
            return cls("log", 0.0)
        from scipy.stats import boxcox_normmax  # scipy.stats: a second of import a sweep without box_cox skips

        return cls("box_cox", float(np.clip(boxcox_normmax(training, method="mle"), *LAMBDA_BOUNDS)))

    def forward(self, values: np.ndarray) -> np.ndarray:
        return values if self.kind == "none" else boxcox(values, self.lam)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Back to the series' units; a forecast below the transform's range (lambda * y + 1 <= 0) maps to 0."""
        if self.kind == "none":
            return values
        if self.lam == 0:
            return np.exp(values)
        return inv_boxcox(np.maximum(values, -1 / self.lam), self.lam)
