"""A trial's repeats (scores and forecasts) published as one Parquet part per trial: read back exactly, replaced (never
doubled) by a retry, and written only where the driver can read them."""

import math
from dataclasses import replace

import pandas as pd
import pyarrow.fs as pafs

from sweep.storage.folder import ResultsFolder
from sweep.storage.forecast_parts import PARTS_FOLDER, ForecastParts
from trainables import FinalReport, RepeatScores, TrialStatus, tracker_scalars, trial_status
from trainables.contract import REPEAT_SCORES


def report(offset: float, node: str = "head") -> FinalReport:
    rows = [RepeatScores(repeat, origin, 1.0, 1.0, 0.0, 0.0, origin=origin, series=series,
                         forecasts=[offset + repeat + origin / 3, math.nan, 1e-300 * (repeat + 1)])
            for series in ("a", "b") for repeat in (0, 1) for origin in (0, 1)]  # fmt: skip
    return FinalReport(epoch=3, repeats=rows, forecast_batch_size=1, node_id=node)


def parts_of(tmp_path, driver_node="head") -> ForecastParts:
    folder = ResultsFolder(str(tmp_path), "sweep")  # a local folder: the publishing filesystem, as a sweep's
    return ForecastParts(folder.filesystem, f"{folder.path}/tune", driver_node)


def test_a_published_report_carries_no_row_and_its_part_gives_every_score_and_forecast_back_exactly(tmp_path):
    parts, final = parts_of(tmp_path), report(100.0)
    assert parts.publish("t1", final)
    metrics = final.published().to_metrics() | {"trial_id": "t1"}  # as Tune stores it
    assert REPEAT_SCORES not in metrics and trial_status(metrics, failed=False, early_stopping=False) is TrialStatus.COMPLETED
    assert metrics["test_rmse"] == 1.0 and tracker_scalars(metrics)["repeat_1/test_rmse"] == 1.0  # the means still travel
    published = FinalReport.from_metrics(metrics)
    assert published.scores_published and published.repeats == []
    read_back = parts.final_report(metrics)  # what a searcher compares
    assert not read_back.scores_published
    expected = pd.DataFrame([replace(row, forecasts=[]) for row in final.repeats])
    pd.testing.assert_frame_equal(pd.DataFrame(read_back.repeats), expected, check_exact=True)  # NaN scores too, in order
    windows, flat, counts = parts.windows("t1")  # what the forecasts' tables read, a chunk of series at a time
    assert windows == [(row.series, row.repeat, row.origin, row.test_start) for row in final.repeats]
    assert counts.tolist() == [3] * len(final.repeats)
    for before, after in zip(final.repeats, flat.reshape(-1, 3)):
        assert after[0] == before.forecasts[0] and math.isnan(after[1]) and after[2] == before.forecasts[2]


def test_a_report_published_before_scores_were_keeps_its_scores_and_reads_its_forecasts_in_its_order(tmp_path):
    """A sweep resumed across the change: its finished trials' reports carry their scores, their parts the forecasts."""
    parts, final = parts_of(tmp_path), report(100.0)
    parts.publish("t1", final)
    earlier = {**final.to_metrics(), "forecasts_published": True}  # the list of rows, their forecasts in the part
    earlier[REPEAT_SCORES] = [{**row, "forecasts": []} for row in earlier[REPEAT_SCORES]][::-1]  # in another order
    published = FinalReport.from_metrics(earlier)
    assert not published.scores_published and parts.final_report(earlier) is not None
    pd.testing.assert_frame_equal(pd.DataFrame(parts.final_report(earlier).repeats), pd.DataFrame(published.repeats))
    flat, _ = parts.forecasts("t1", published)
    assert [values[0] for values in flat.reshape(-1, 3)] == [row.forecasts[0] for row in final.repeats[::-1]]


def test_a_retried_trial_replaces_its_part_and_leaves_no_second_copy(tmp_path):
    parts = parts_of(tmp_path)
    parts.publish("t1", report(100.0))
    parts.publish("t1", report(200.0))  # the retry: the same trial id
    listed = parts.filesystem.get_file_info(pafs.FileSelector(f"{parts.experiment}/{PARTS_FOLDER}"))
    assert [info.base_name for info in listed] == ["t1.parquet"]  # no temporary file left beside it either
    assert parts.windows("t1")[1][0] == 200.0


def test_a_trial_on_another_node_of_a_local_folder_keeps_its_forecasts_in_its_report(tmp_path):
    parts = parts_of(tmp_path)
    assert not parts.publish("t2", report(1.0, node="worker"))
    assert not parts.filesystem.get_file_info(parts.path("t2")).is_file
    assert parts_of(tmp_path, driver_node=None).publish("t2", report(1.0, node="worker"))  # an object store: every node


def test_a_part_that_cannot_be_written_leaves_the_forecasts_in_the_report(tmp_path):
    parts = parts_of(tmp_path)
    (tmp_path / "sweep" / "tune").mkdir(parents=True)
    (tmp_path / "sweep" / "tune" / PARTS_FOLDER).write_text("")  # a file where the parts' folder goes: every write fails
    assert not parts.publish("t3", report(1.0))
