"""Driver side of lstm-sweep: config, plan, Ray Tune orchestration, aggregation and reports.

Nothing here imports TensorFlow: that happens inside trials (`trainables`).
"""


def __getattr__(name: str):
    """`from sweep import run_sweep`, imported on first use: the CLI's modules need none of it."""
    if name in ("run_sweep", "SweepResult", "SweepInterrupted"):
        from sweep import api

        return getattr(api, name)
    raise AttributeError(f"module 'sweep' has no attribute {name!r}")
