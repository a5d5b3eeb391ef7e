"""The command line: `lstm-sweep` (`main.py`) and its subcommands `run`, `submit`, `forecast`, with the arguments
they share (`arguments.py`)."""
