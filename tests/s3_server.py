"""An S3 API on loopback for the tests: moto's server mode, with the endpoint and keys given as a user gives them."""

from __future__ import annotations

import logging
import socket
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
