"""A catalogue on a local multi-node Ray cluster, its results in an S3 API on loopback: does the driver stay small, and
do the trials spread over the nodes?

    $ python benchmarks/cluster_scale.py [--series 1000] [--repeats 30] [--nodes 3] [--cpus-per-node 1]

`ray start` starts a head and `--nodes - 1` worker nodes on this machine (each its own raylet, object store and temp
folder, `--cpus-per-node` CPUs each), moto's S3 server answers on loopback (needs the test extra), and the sweep of
`benchmarks/scale.py` (simulated monthly series, 1 configuration, 3 origins, horizon 18) joins the cluster with
`--address` and keeps its results in a bucket there. Prints the wall time, the driver's peak (`ru_maxrss`), the
highest resident size of any `ray::` process seen, and how many trials each node ran (`trials.parquet`'s `node_id`).
Every Ray process this starts is stopped at the end; another Ray on the machine is left alone.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalogue import DRIVER  # noqa: E402
from scale import ROOT, WorkerMemory, catalogue_csv, sweep_config  # noqa: E402

KEYS = {"AWS_ACCESS_KEY_ID": "lstm-sweep-bench", "AWS_SECRET_ACCESS_KEY": "lstm-sweep-bench-secret", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node_options(cpus: int) -> list[str]:
    """Loopback, and free ports for each node's agents (two nodes on one machine cannot share the defaults)."""
    agents = ["dashboard-agent-listen-port", "dashboard-agent-grpc-port", "metrics-export-port", "runtime-env-agent-port"]
    return [f"--num-cpus={cpus}", "--node-ip-address=127.0.0.1", "--disable-usage-stats"] + [f"--{name}={free_port()}" for name in agents]


def start_nodes(marker: Path, nodes: int, cpus: int, env: dict[str, str]) -> str:
    """A head and `nodes - 1` workers, each with its own temp folder under `marker`; the head's GCS address."""
    ray, port = str(Path(sys.executable).parent / "ray"), free_port()
    head = [ray, "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={marker}/head", *node_options(cpus)]
    subprocess.run(head, env=env, check=True, capture_output=True)
    for index in range(1, nodes):
        worker = [ray, "start", f"--address=127.0.0.1:{port}", f"--temp-dir={marker}/node{index}", *node_options(cpus)]
        subprocess.run(worker, env=env, check=True, capture_output=True)
    return f"127.0.0.1:{port}"


def stop_nodes(marker: Path) -> None:
    """Every process whose command line names `marker` (this cluster's temp folders): SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            with contextlib.suppress(OSError):
                if str(marker).encode() in cmdline.read_bytes():
                    os.kill(int(cmdline.parent.name), sig)
        time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--cpus-per-node", type=int, default=1)
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    s3_port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    server.start()
    store = pafs.S3FileSystem(access_key=KEYS["AWS_ACCESS_KEY_ID"], secret_key=KEYS["AWS_SECRET_ACCESS_KEY"], region="us-east-1",
                              endpoint_override=f"127.0.0.1:{s3_port}", scheme="http", allow_bucket_creation=True)  # fmt: skip
    store.create_dir("sweeps")
    marker = Path(tempfile.mkdtemp(prefix="lswc", dir="/tmp"))  # short: Ray's socket paths are length-limited
    env = os.environ | KEYS | {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    env.pop("RAY_ADDRESS", None)
    try:
        address = start_nodes(marker, args.nodes, args.cpus_per_node, env)
        source, name = marker / f"series{args.series}.csv", f"cluster{args.series}"
        catalogue_csv(args.series, source)
        (marker / f"{name}.yaml").write_text(yaml.safe_dump(sweep_config(name, source, args.repeats)))
        storage = f"s3://sweeps/scale?endpoint_override=127.0.0.1:{s3_port}&scheme=http"
        command = [sys.executable, "-c", DRIVER, "--config", str(marker / f"{name}.yaml"), "--storage", storage, "--address", address]
        workers = WorkerMemory()
        workers.start()
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
        wall = time.perf_counter() - started
        workers.stopped.set()
        if completed.returncode:
            raise SystemExit(completed.stdout[-3000:] + completed.stderr[-3000:])
        driver_kib = int(completed.stdout.rsplit("driver peak RSS KiB: ", 1)[1].split()[0])
        trials = pq.read_table(f"sweeps/scale/{name}/trials.parquet", filesystem=store, columns=["trial_id", "node_id"]).to_pandas()
        per_node = trials.drop_duplicates("trial_id")["node_id"].value_counts()
        forecasts = pq.ParquetFile(store.open_input_file(f"sweeps/scale/{name}/forecasts.parquet")).metadata.num_rows
    finally:
        stop_nodes(marker)
        server.stop()
        shutil.rmtree(marker, ignore_errors=True)
    sizes = f"{args.nodes} nodes x {args.cpus_per_node} CPU, {args.series} series x {args.repeats} repeats: {forecasts:,} forecasts in S3"
    memory = f"driver peak {driver_kib / 1024:,.0f} MiB, any ray:: process at most {workers.peak_kib / 1024:,.0f} MiB"
    print(f"{sizes}, wall {wall:.1f} s, {memory}")
    print("trials per node:", ", ".join(f"{node[:8]}: {count}" for node, count in per_node.items()))


if __name__ == "__main__":
    main()
