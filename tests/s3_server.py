"""An S3 API on loopback for the tests: moto's server mode, with the endpoint and keys given as a user gives them."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from dataclasses import dataclass

import pyarrow.fs as pafs


@dataclass(frozen=True)
class S3Endpoint:
    address: str  # host:port of the server
    environment: dict[str, str]  # what a user exports: keys, region and endpoint

    def uri(self, bucket_and_key: str) -> str:
        """An s3:// URI of this endpoint; the keys stay in the environment, never in the URI."""
        return f"s3://{bucket_and_key}?endpoint_override={self.address}&scheme=http"

    def filesystem(self) -> pafs.S3FileSystem:
        return pafs.S3FileSystem(
            access_key=self.environment["AWS_ACCESS_KEY_ID"], secret_key=self.environment["AWS_SECRET_ACCESS_KEY"],
            endpoint_override=self.address, scheme="http", region="us-east-1", allow_bucket_creation=True,
        )  # fmt: skip


def start_s3():
    """A moto S3 server on a free loopback port, and the endpoint it answers on; stop it with `server.stop()`."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    keys = {"AWS_ACCESS_KEY_ID": "lstm-sweep-test", "AWS_SECRET_ACCESS_KEY": "lstm-sweep-secret", "AWS_DEFAULT_REGION": "us-east-1"}
    return server, S3Endpoint(f"127.0.0.1:{port}", keys)


class Relay:
    """A loopback TCP relay in front of the S3 server, so a test can make the store stop answering and come back with
    its objects intact: clients use the relay's port; `cut()` refuses new connections and drops open ones, `restore()`
    serves again on the same port."""

    def __init__(self, server_address: str):
        host, port = server_address.rsplit(":", 1)
        self.server = (host, int(port))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.open: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        for connection in [self.listener, *self.open]:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # wakes the threads blocked on it
            connection.close()
        self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.server)
            except OSError:
                return
            self.open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
