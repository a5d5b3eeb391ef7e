"""From Tune's results to frames and verdicts: one decoder (`decode.py`), the trials, forecasts and history frames,
describe() summaries and study tables (`summary.py`), statistics, the comparison across series, and one vocabulary
of verdicts (`verdicts.py`). Reads nothing from disk and prints nothing."""
