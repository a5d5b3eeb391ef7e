"""The series a sweep runs on: built-in data sets (`series.py`), user files read cell by cell (`files.py`), dates
(`dates.py`), catalogues of many series (`catalogue.py`), and in-memory pandas series (`in_memory.py`)."""
