"""Driver side of lstm-sweep: config, data, planning, search, execution on Ray, results, reports, command line.

Nothing here imports TensorFlow: that happens inside trials (`trainables`). README "Architecture" maps the packages.
"""


def __getattr__(name: str):
    """`from sweep import run_sweep`, imported on first use: every `sweep.<package>` import runs this file, and a
    top-level import of the API would load the whole driver (Ray Tune included) for `sweep.config` alone."""
    if name in ("run_sweep", "SweepResult", "SweepInterrupted"):
        from sweep import api

        return getattr(api, name)
    raise AttributeError(f"module 'sweep' has no attribute {name!r}")
