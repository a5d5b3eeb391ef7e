"""Search strategies beyond the grid, one file each, as Tune `Searcher`s: a race (`race.py`), Optuna
(`optuna_search.py`); confirmation on fresh seeds (`confirmation.py`); the statistic of repeats they share (`objective.py`).
Random search draws its points up front and runs as a grid (`sweep.planning.plan.study_points`)."""
