"""A results folder on a non-local filesystem: one stream per file, no rename."""

import pandas as pd


def test_results_folder_writes_through_a_non_local_filesystem(tmp_path):
    from sweep.storage.folder import ResultsFolder

    folder = ResultsFolder(f"file://{tmp_path}", "streamed")
    folder.local = False  # take the object-store branch: one stream per file, no rename
    folder.write_csv("table.csv", pd.DataFrame({"a": [1, 2]}))
    folder.write_bytes("deep/file.txt", b"x")
    assert folder.read_text("table.csv") == "a\n1\n2\n"
    assert folder.exists("deep/file.txt") and not folder.exists("missing")
