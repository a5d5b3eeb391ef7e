"""Where a sweep's files live: a local folder or any pyarrow filesystem URI (s3://, gs://, hdfs://...).

No file is ever left half-written, ours or Tune's: local files are written to a temporary name and renamed
(`sweep.storage.publishing`), and object stores make each upload visible whole or not at all.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from sweep.config.redaction import redact
from sweep.storage.layout import CONFIRM_FOLDER, TUNE_FOLDER
from sweep.storage.publishing import open_for_writing, publishing_filesystem

ROW_GROUP = 1024 * 1024  # rows per Parquet row group, pyarrow's default


class StorageFailed(Exception):
    """The results' storage failed after the sweep started (a full disk, a store that stopped answering); what it saved
    before is kept, for --resume."""


class ParquetStream:
    """One Parquet file written a frame at a time, a row group at a time: a table of millions of rows is never also
    held whole as Arrow and as bytes, and one larger than memory never whole at all.

    The file's schema is its first non-empty frame's, a column wholly empty there typed as text (only a label can be:
    the baseline's name where a part has no baseline). It is opened at that frame; given only empty frames, it holds
    the last one's columns and no rows; given none, it is never written.
    """

    def __init__(self, filesystem: pafs.FileSystem, target: str):
        self.filesystem, self.target = filesystem, target
        self.stream, self.writer, self.empty = None, None, None

    def write(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            self.empty = frame
            return
        if self.writer is None:
            self._open(frame)
        for start in range(0, len(frame), ROW_GROUP):
            rows = frame.iloc[start : start + ROW_GROUP]
            self.writer.write_table(pa.Table.from_pandas(rows, schema=self.writer.schema, preserve_index=False))

    def close(self) -> None:
        if self.writer is None and self.empty is not None:
            self._open(self.empty)
        if self.writer is not None:
            self.writer.close()
            self.stream.close()

    def _open(self, frame: pd.DataFrame) -> None:
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        fields = [field.with_type(pa.string()) if pa.types.is_null(field.type) else field for field in schema]
        self.stream = open_for_writing(self.filesystem, self.target)
        self.writer = pq.ParquetWriter(self.stream, pa.schema(fields, metadata=schema.metadata))


class ResultsFolder:
    """`<storage>/<name>` on its filesystem; `~` in a local storage path is the user's home."""

    def __init__(self, storage: str, name: str):
        if "://" in storage:
            self.filesystem, base = pafs.FileSystem.from_uri(storage)
        else:
            self.filesystem, base = pafs.LocalFileSystem(), str(Path(storage).expanduser().resolve())
        self.local = isinstance(self.filesystem, pafs.LocalFileSystem)
        if self.local:
            self.filesystem = publishing_filesystem()
        self.path = f"{base.rstrip('/')}/{name}"
        location, mark, options = redact(storage).partition("?")  # options (an endpoint, a scheme) follow the folder's name
        self.display = self.path if self.local else f"{location.rstrip('/')}/{name}{mark}{options}"

    def __str__(self) -> str:
        return self.display

    def exists(self, relative: str = "") -> bool:
        return self.filesystem.get_file_info(self._join(relative)).type != pafs.FileType.NotFound

    def read_parquet(self, relative: str) -> pd.DataFrame:
        return pq.read_table(self._join(relative), filesystem=self.filesystem).to_pandas()

    def read_text(self, relative: str) -> str:
        with self.filesystem.open_input_stream(self._join(relative)) as stream:
            return stream.read().decode()

    def write_bytes(self, relative: str, data: bytes) -> None:
        with open_for_writing(self.filesystem, self._join(relative)) as stream:
            stream.write(data)

    def result_files(self) -> dict[str, int]:
        """Every file under the folder but Tune's experiment folders and unpublished temporary files, with its size in bytes."""
        listed = self.filesystem.get_file_info(pafs.FileSelector(self.path, recursive=True))
        files = {info.path.removeprefix(f"{self.path}/"): info.size for info in listed if info.type == pafs.FileType.File}
        tune = (f"{TUNE_FOLDER}/", f"{CONFIRM_FOLDER}/")
        return {
            name: size for name, size in sorted(files.items()) if not name.startswith(tune) and not name.rsplit("/", 1)[-1].startswith(".")
        }

    def delete(self, relative: str) -> None:
        """Remove a file if it is there."""
        if self.exists(relative):
            self.filesystem.delete_file(self._join(relative))

    def write_parquet(self, relative: str, frame: pd.DataFrame) -> None:
        with self.parquet_stream(relative) as stream:
            stream.write(frame)

    @contextmanager
    def parquet_stream(self, relative: str) -> Iterator[ParquetStream]:
        """A Parquet file written frame by frame (`ParquetStream`), complete when the block ends; a block that raises
        leaves no file (a partial one would look whole) and its own error, not the cleanup's."""
        stream = ParquetStream(self.filesystem, self._join(relative))
        try:
            yield stream
        except BaseException:
            with contextlib.suppress(OSError):
                stream.close()
                self.delete(relative)
            raise
        stream.close()

    def write_csv(self, relative: str, frame: pd.DataFrame) -> None:
        self.write_bytes(relative, frame.to_csv(index=False).encode())

    def write_figure(self, relative: str, figure) -> bytes:
        """Save a matplotlib figure as PNG; returns the bytes written, for embedding elsewhere."""
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # long labels widen the image, never get cut
        self.write_bytes(relative, buffer.getvalue())
        return buffer.getvalue()

    def check_writable(self) -> None:
        """Raise OSError unless this folder could be created and written: checked locally by creating its
        missing part inside a scratch folder of its nearest existing ancestor (names, permissions, a
        read-only or full disk all show), and writing a file there; on a remote store, reachability."""
        if not self.local:
            self.filesystem.get_file_info(self.path)  # raises for a bucket or credentials that do not work
            return
        ancestor = Path(self.path)
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise NotADirectoryError(f"{str(ancestor)!r} is a file, not a folder")
        scratch = Path(tempfile.mkdtemp(prefix=".lstm-sweep-probe-", dir=ancestor))
        try:
            missing = scratch / Path(self.path).relative_to(ancestor) if Path(self.path) != ancestor else scratch
            missing.mkdir(parents=True, exist_ok=True)
            (missing / "probe").write_bytes(b"\0" * 4096)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _join(self, relative: str) -> str:
        return f"{self.path}/{relative}" if relative else self.path
