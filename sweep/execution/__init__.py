"""Running on Ray: the Tuner (`tuner.py`), which Ray and whether trials fit (`cluster.py`), the XLA compile cache,
the live table (`progress.py`), experiment trackers, and the baselines as Ray tasks."""
