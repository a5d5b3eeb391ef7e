"""What a person reads: the console tables and exit statuses (`console.py`), figures (`figures.py`), the HTML report
(`html.py`) and every output file (`files.py`)."""
