"""A local filesystem whose every written file appears whole or not at all: each is written under a temporary name
beside its target and renamed over it when closed, and a failed write (a full disk) leaves the previous file intact.

Tune saves its experiment state by copying its files over the previous ones; on a plain local filesystem a disk that
fills mid-copy leaves them truncated, and the sweep could not resume. Object stores need no such care: an upload
is visible whole or not at all.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile

import pyarrow as pa
import pyarrow.fs as pafs


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Publishing(io.RawIOBase):
    """A file written to a temporary name, renamed to `target` on a clean close; removed if any write failed."""

    def __init__(self, target: str):
        super().__init__()
        self.target, self.failed = target, False
        handle, self.temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", dir=os.path.dirname(target) or ".")
        self.file = os.fdopen(handle, "wb")

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        try:
            return self.file.write(data)
        except BaseException:
            self._discard()  # at once: pyarrow may never close a stream whose write failed, and a full disk wants the space
            raise

    def close(self) -> None:
        if self.closed:
            return
        try:
            if not self.failed:
                self.file.close()  # the last buffered bytes: a full disk may refuse them here
                os.chmod(self.temporary, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from other users
                os.replace(self.temporary, self.target)
        except BaseException:
            self._discard()
            raise
        finally:
            super().close()

    def _discard(self) -> None:
        self.failed = True
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


class PublishingHandler(pafs.FileSystemHandler):
    """pyarrow's local filesystem, but output streams publish by rename (`_Publishing`)."""

    def __init__(self):
        self.local = pafs.LocalFileSystem()

    def __eq__(self, other) -> bool:
        return isinstance(other, PublishingHandler)

    def __ne__(self, other) -> bool:
        return not self == other

    def get_type_name(self) -> str:
        return "local-publishing"

    def normalize_path(self, path: str) -> str:
        return self.local.normalize_path(path)

    def get_file_info(self, paths: list[str]) -> list[pafs.FileInfo]:
        return self.local.get_file_info(paths)

    def get_file_info_selector(self, selector: pafs.FileSelector) -> list[pafs.FileInfo]:
        return self.local.get_file_info(selector)

    def create_dir(self, path: str, recursive: bool) -> None:
        self.local.create_dir(path, recursive=recursive)

    def delete_dir(self, path: str) -> None:
        self.local.delete_dir(path)

    def delete_dir_contents(self, path: str, missing_dir_ok: bool = False) -> None:
        self.local.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self) -> None:
        raise pa.ArrowInvalid("lstm-sweep never deletes a filesystem's root")

    def delete_file(self, path: str) -> None:
        self.local.delete_file(path)

    def move(self, src: str, dest: str) -> None:
        self.local.move(src, dest)

    def copy_file(self, src: str, dest: str) -> None:
        with self.local.open_input_stream(src) as source, self.open_output_stream(dest, None) as target:
            target.write(source.read())

    def open_input_stream(self, path: str) -> pa.NativeFile:
        return self.local.open_input_stream(path)

    def open_input_file(self, path: str) -> pa.NativeFile:
        return self.local.open_input_file(path)

    def open_output_stream(self, path: str, metadata) -> pa.NativeFile:
        return pa.PythonFile(_Publishing(path), mode="w")

    def open_append_stream(self, path: str, metadata) -> pa.NativeFile:
        return self.local.open_append_stream(path)


def open_for_writing(filesystem: pafs.FileSystem, path: str) -> pa.NativeFile:
    """An output stream to `path` on `filesystem`, its folder made first (a no-op on object stores)."""
    filesystem.create_dir(path.rsplit("/", 1)[0], recursive=True)
    return filesystem.open_output_stream(path)


def publishing_filesystem() -> pafs.FileSystem:
    return pafs.PyFileSystem(PublishingHandler())
