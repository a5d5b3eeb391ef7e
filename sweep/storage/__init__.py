"""Where results live: a folder or object-store URI (`folder.py`), the name of every file in it (`layout.py`), and
its life: claimed by one run, refused or resumed, checked against its config and data (`sweep_folder.py`)."""
