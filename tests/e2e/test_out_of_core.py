"""A sweep summarised a chunk of series at a time, its statistics computed in Ray tasks, tells the user the same numbers
as one summarised whole in the driver: the driver's memory is bounded by a chunk's forecasts, never the sweep's
(`sweep.results.forecast_tables`), and a catalogue's statistics use the cluster's CPUs (`sweep.results.per_series`)."""

import json

import pandas as pd
import pyarrow.fs as pafs
import pytest
from ray import tune

from sweep.data.catalogue import load_catalogue
from sweep.execution.baseline_tasks import collect_baselines, submit_baselines
from sweep.execution.tasks import map_as_tasks
from sweep.planning.plan import build_plan
from sweep.planning.season import with_season
from sweep.results.decode import decode
from sweep.results.forecast_tables import ForecastSink
from sweep.results.outcome import summarize_sweep
from sweep.storage.folder import ResultsFolder
from sweep.storage.forecast_parts import PARTS_FOLDER, ForecastParts
from sweep.storage.layout import FORECASTS_FILE, INTERVALS_FILE, TUNE_FOLDER
from sweep.storage.sweep_folder import saved_config
from trainables.contract import REPEAT_SCORES

SHIPPED = "search.yaml"  # several series, 18 steps, intervals, baselines, a held-out origin: every table that reads forecasts
TABLES = ["trials", "baselines", "summary", "ensembles", "holdout", "holdout_across", "coverage", "reliability"]
MEANS = ["by_step", "interval_scores"]  # sums over chunks over counts: the same up to the order of summation
ROW_KEYS = ["track", "cutoff_index", "h"]  # a forecast's (and an interval's) identity


@pytest.fixture(scope="module")
def summaries(sweeps):
    """The shipped search's smoke run summarised again from its Tune folder: whole (as it ran), and a series at a time,
    each series' statistics in a Ray task of its own."""
    results, _ = sweeps.shipped(SHIPPED)
    loaded = load_catalogue(saved_config(ResultsFolder(str(results.parent), results.name)).data)
    config, _ = with_season(saved_config(ResultsFolder(str(results.parent), results.name)), loaded)
    plan = build_plan(config, loaded.values)
    catalogue = loaded.only(plan.origins)
    experiment = str(results / TUNE_FOLDER)
    grid = tune.ResultGrid(tune.ExperimentAnalysis(experiment, storage_filesystem=pafs.LocalFileSystem()))
    decoded = decode(grid, early_stopping=False, failures={}, parts=ForecastParts(pafs.LocalFileSystem(), experiment, None))
    baselines = collect_baselines(submit_baselines(config, plan, catalogue.values))

    def summarised(series_per_chunk: int, **statistics_in_tasks):
        streamed = {FORECASTS_FILE: [], INTERVALS_FILE: []}
        sink = ForecastSink(streamed[FORECASTS_FILE].append, streamed[INTERVALS_FILE].append)
        return summarize_sweep(config, plan, decoded, catalogue, baselines, sink, series_per_chunk, **statistics_in_tasks), streamed

    assert len(plan.origins) > 1
    return results, summarised(len(plan.origins)), summarised(1, map_tasks=map_as_tasks, series_per_task=1)


def test_tune_keeps_each_trials_means_and_its_part_every_repeat_of_it(summaries):
    """What Tune holds in the driver (and saves in result.json) is a trial's means, not a row per repeat: the rows are in
    the trial's part, and trials.parquet has exactly them (the Optuna search read them back from there to decide)."""
    results, (whole, _), _ = summaries
    experiment = results / TUNE_FOLDER
    finals = [json.loads(path.read_text().splitlines()[-1]) for path in experiment.glob("*/result.json")]
    assert finals and all(REPEAT_SCORES not in final and final["forecasts_published"] for final in finals)
    parts = pd.concat([pd.read_parquet(path).assign(trial_id=path.stem) for path in (experiment / PARTS_FOLDER).glob("*.parquet")])
    keys = ["trial_id", "series", "repeat", "origin"]
    completed = whole.trials[whole.trials["status"] == "completed"]
    trials = completed.drop_duplicates(keys)  # a shared point's rows appear under each of its studies
    joined = trials.merge(parts, on=keys, suffixes=("", "_part"), validate="one_to_one")
    assert len(joined) == len(trials) == len(parts)
    for score in ("test_rmse", "test_mase", "train_rmse", "seed"):
        assert joined[score].astype(float).tolist() == joined[f"{score}_part"].astype(float).tolist(), score


def by_row(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(ROW_KEYS, ignore_index=True)


def test_a_sweep_summarised_a_series_at_a_time_gives_every_table_and_file_of_one_summarised_whole(summaries):
    results, (whole, whole_files), (chunked, chunked_files) = summaries
    assert len(whole_files[FORECASTS_FILE]) == 1 and len(chunked_files[FORECASTS_FILE]) == len(whole.tables) > 1
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(chunked, name), getattr(whole, name), check_exact=True, obj=name)
    for name in MEANS:
        pd.testing.assert_frame_equal(getattr(chunked, name), getattr(whole, name), check_exact=False, rtol=1e-12, obj=name)
    for series, studies in whole.statistics.items():
        for study, frame in studies.items():
            pd.testing.assert_frame_equal(chunked.statistics[series][study], frame, check_exact=True, obj=f"{series} {study}")
            table = chunked.tables[series][study]  # its describe() table, built when read
            pd.testing.assert_frame_equal(table, whole.tables[series][study], check_exact=True, obj=f"{series} {study} table")
    for name in (FORECASTS_FILE, INTERVALS_FILE):  # the same rows, chunk by chunk
        joined = by_row(pd.concat(chunked_files[name], ignore_index=True))
        pd.testing.assert_frame_equal(joined, by_row(pd.concat(whole_files[name], ignore_index=True)), check_exact=True, obj=name)
        written = pd.read_parquet(results / name)  # as the sweep streamed it: one file
        pd.testing.assert_frame_equal(by_row(written), joined, check_exact=True, check_dtype=False, obj=name)
