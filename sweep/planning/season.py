"""The season a sweep scores with: `evaluation.season` when given, else the dates' frequency, said out loud.

MASE's scale, the seasonal naive baseline and ETS's and ARIMA's seasonal parts all use it; a monthly
series scored at lag 1 would make an LSTM look better than it is, so the default is read from the
dates and printed, never assumed silently.
"""

from __future__ import annotations

from sweep.config.loading import parse_config
from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from trainables import SEASONALLY_SCALED, Origin

SEASONAL_BASELINES = ("seasonal_naive", "ets", "arima")
SEASONS_NEEDED = {"ets": 2, "arima": 3}  # full seasons in a training window before the baseline fits a seasonal part


def with_season(config: SweepConfig, catalogue: Catalogue) -> tuple[SweepConfig, str | None]:
    """The config with its season settled, and the note that says where it came from (None when it was given)."""
    if config.evaluation.season is not None:
        return config, None
    frequency = catalogue.frequency
    if frequency is not None:
        payload = config.model_dump()
        payload["evaluation"]["season"] = frequency.season
        note = f"season {frequency.season}, inferred from {frequency.name} dates (set `evaluation.season` to choose another)"
        return parse_config(payload, source="the inferred season"), note
    lag = config.data.difference_lag
    seasonal = [name for name in config.evaluation.baselines if name in SEASONAL_BASELINES]
    scaled = config.evaluation.metric in SEASONALLY_SCALED
    deseasonalised = any(set(grid.deseasonalise or []) - {"none"} for grid in config.studies.values())
    if not seasonal and not scaled and not deseasonalised:
        return config, None
    uses = ", ".join([*seasonal, *([config.evaluation.metric.upper()] if scaled else []), *(["deseasonalise"] if deseasonalised else [])])
    return config, (
        f"season {lag} (`data.difference_lag`) for {uses}: the series carry no dates to infer it from; set `evaluation.season` "
        "(12 for monthly data) if they are seasonal"
    )


def season_notes(config: SweepConfig, origins: dict[str, list[Origin]]) -> list[str]:
    """Where the earliest training window is too short for a seasonal model, which then fits without its season."""
    season = config.evaluation.season_for(config.data)
    if season <= 1 or not origins:
        return []
    shortest = min(series_origins[0].test_start - series_origins[0].start for series_origins in origins.values())
    return [
        f"baseline {name} fits without a season where a training window holds fewer than {seasons} seasons of {season} "
        f"(the earliest holds {shortest} observations)"
        for name, seasons in SEASONS_NEEDED.items()
        if name in config.evaluation.baselines and shortest < seasons * season
    ]
