"""A results folder: files appear whole or not at all, ours and Tune's, and the manifest names the results."""

import errno
import os

import pandas as pd
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from sweep.storage.folder import ResultsFolder
from sweep.storage.publishing import _Publishing


def test_results_folder_writes_and_reads_through_a_filesystem_uri(tmp_path):
    folder = ResultsFolder(f"file://{tmp_path}", "streamed")
    folder.write_csv("table.csv", pd.DataFrame({"a": [1, 2]}))
    folder.write_bytes("deep/file.txt", b"x")
    assert folder.read_text("table.csv") == "a\n1\n2\n"
    assert folder.exists("deep/file.txt") and not folder.exists("missing")
    assert oct(os.stat(tmp_path / "streamed" / "table.csv").st_mode & 0o777) == oct(0o666 & ~current_umask())


def test_a_parquet_file_streamed_in_row_groups_reads_back_as_the_frame(tmp_path, monkeypatch):
    """Text that first appears after the first row group (a catalogue's baselines come after every trial's rows) keeps
    its type: the schema is the whole frame's, not the first group's."""
    monkeypatch.setattr("sweep.storage.folder.ROW_GROUP", 3)
    frame = pd.DataFrame({"baseline": [None] * 7 + ["ets"], "repeat": pd.array([0, 1, 2, 0, 1, 2, 0, None], dtype="Int64"),
                          "forecast": [float(value) for value in range(8)]})  # fmt: skip
    folder = ResultsFolder(str(tmp_path), "streamed")
    folder.write_parquet("rows.parquet", frame)
    assert pq.ParquetFile(tmp_path / "streamed" / "rows.parquet").metadata.num_row_groups == 3
    pd.testing.assert_frame_equal(folder.read_parquet("rows.parquet"), frame, check_dtype=False)
    assert folder.read_parquet("rows.parquet")["repeat"].dtype == "Int64"
    folder.write_parquet("empty.parquet", frame.iloc[:0])
    assert list(folder.read_parquet("empty.parquet").columns) == list(frame.columns)


def test_a_parquet_stream_writes_frame_after_frame_as_one_file_and_an_empty_label_column_as_text(tmp_path):
    """forecasts.parquet a chunk of series at a time: the first chunk may have no baseline (its column all empty), a
    later one has; the file reads back as the frames one after another."""
    folder = ResultsFolder(str(tmp_path), "streamed")
    chunks = [
        pd.DataFrame({"baseline": [None, None], "forecast": [1.0, 2.0]}),
        pd.DataFrame({"baseline": pd.Series([], dtype=object), "forecast": pd.Series([], dtype=float)}),  # a chunk with nothing kept
        pd.DataFrame({"baseline": [None, "ets"], "forecast": [3.0, 4.0]}),
    ]
    with folder.parquet_stream("rows.parquet") as stream:
        for chunk in chunks:
            stream.write(chunk)
        assert not folder.exists("rows.parquet")  # published whole when the block ends, never seen half-written
    expected = pd.concat(chunks, ignore_index=True).astype({"baseline": "str"})  # text, its empty cells missing
    pd.testing.assert_frame_equal(folder.read_parquet("rows.parquet"), expected)
    assert pq.read_schema(tmp_path / "streamed" / "rows.parquet").field("baseline").type == "string"
    with folder.parquet_stream("empty.parquet") as stream:
        stream.write(chunks[1])
    assert list(folder.read_parquet("empty.parquet").columns) == ["baseline", "forecast"]
    with folder.parquet_stream("never.parquet"):
        pass
    assert not folder.exists("never.parquet")  # nothing to write (a sweep without intervals): no file
    with pytest.raises(KeyboardInterrupt), folder.parquet_stream("rows.parquet") as stream:  # Ctrl-C while summarising
        stream.write(chunks[0])
        raise KeyboardInterrupt
    assert not folder.exists("rows.parquet") and os.listdir(tmp_path / "streamed") == ["empty.parquet"]


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class FullDisk:
    """A file that takes 3 bytes of a write, then refuses: a disk that fills."""

    def __init__(self, file):
        self.file = file

    def write(self, data):
        self.file.write(data[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self):
        self.file.close()


def test_a_write_that_fails_midway_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    """As on a disk that fills: the second write of a file fails after some bytes; the first version stays, and no
    temporary file is left. Tune's own copies (pyarrow's copy_files) go through the same streams."""
    folder = ResultsFolder(str(tmp_path), "whole")
    folder.write_bytes("state.json", b'{"complete": true}')

    opened = _Publishing.__init__

    def opened_on_a_full_disk(self, target):
        opened(self, target)
        self.file = FullDisk(self.file)

    monkeypatch.setattr(_Publishing, "__init__", opened_on_a_full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        folder.write_bytes("state.json", b'{"complete": false, "and": "more"}')
    (tmp_path / "whole-copy").mkdir()
    with pytest.raises(OSError, match="No space left on device"):
        pafs.copy_files(str(tmp_path / "whole"), str(tmp_path / "whole-copy"), destination_filesystem=folder.filesystem)
    assert folder.read_text("state.json") == '{"complete": true}'
    assert sorted(os.listdir(tmp_path / "whole")) == ["state.json"] and os.listdir(tmp_path / "whole-copy") == []


def test_the_manifest_lists_result_files_with_sizes_not_tune_state_or_temporary_files(tmp_path):
    folder = ResultsFolder(str(tmp_path), "listed")
    folder.write_bytes("trials.parquet", b"1234")
    folder.write_bytes("diagnostics/a.png", b"12")
    folder.write_bytes("tune/experiment_state.json", b"{}")
    (tmp_path / "listed" / ".report.html.tmp").write_bytes(b"partial")
    assert folder.result_files() == {"diagnostics/a.png": 2, "trials.parquet": 4}
    folder.delete("trials.parquet")
    folder.delete("trials.parquet")  # gone already: nothing to do
    assert not folder.exists("trials.parquet")
