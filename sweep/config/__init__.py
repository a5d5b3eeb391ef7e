"""The one typed config: the model (`model.py`), study grids and ranges (`grids.py`), loading with errors that name
the key (`loading.py`), command-line overrides, smoke mode, and redaction of credentials. The lowest layer of `sweep`."""
