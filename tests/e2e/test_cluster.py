"""A real two-node Ray cluster on this machine (`ray start`), with token authentication, driven
through the Ray Jobs API by `sweep.submit` and by `ray job submit`."""

import json
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

import pyarrow.parquet as pq
import pytest

from sweep.execution.preflight import EXPECTED_VARIABLE, expected_versions

ROOT = Path(__file__).resolve().parents[2]
SWEEP = """\
name: {name}
engine: compiled
repeats: 2
repeats_per_trial: 1
seed: 1
resources: {{cpus_per_trial: 1, gpus_per_trial: {gpus}}}
studies:
  s: {{epochs: [30], batch_size: [4], neurons: [1, 2]}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def node_options() -> list[str]:
    """One CPU on loopback, and free ports for the per-node agents: the defaults may be held by the
    test session's own local Ray, and a head whose job agent cannot bind never accepts a job."""
    ports = ["dashboard-agent-listen-port", "dashboard-agent-grpc-port", "metrics-export-port", "runtime-env-agent-port"]
    return ["--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats"] + [f"--{option}={free_port()}" for option in ports]


def ray_processes(marker: str) -> list[int]:
    """PIDs whose command line names this cluster's own temp folders, so other Rays are left alone."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


@pytest.fixture(scope="module")
def cluster():
    """Head plus one worker node, 1 CPU each, token auth on; stopped (only these) afterwards."""
    marker = tempfile.mkdtemp(prefix="lsw", dir="/tmp")  # short: Ray's socket paths are length-limited
    env = os.environ | {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    env.pop("RAY_ADDRESS", None)
    port, dashboard = free_port(), free_port()
    ray = str(Path(sys.executable).parent / "ray")
    subprocess.run(
        [ray, "start", "--head", f"--port={port}", "--dashboard-host=127.0.0.1", f"--dashboard-port={dashboard}",
         f"--temp-dir={marker}/head", *node_options()], env=env, check=True, capture_output=True,
    )  # fmt: skip
    # Each node gets its own temp folder: nodes sharing one would delete each other's job files.
    subprocess.run(
        [ray, "start", f"--address=127.0.0.1:{port}", f"--temp-dir={marker}/worker", *node_options()],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    address = f"http://127.0.0.1:{dashboard}"
    wait_until_jobs_run(ray, address, env)
    yield {"address": address, "env": env, "ray": ray}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in ray_processes(marker):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(2)
    shutil.rmtree(marker, ignore_errors=True)


def wait_until_jobs_run(ray: str, address: str, env: dict, timeout: float = 120) -> None:
    """`ray start` returns before the head's job agent is up; a trivial job tells when it is."""
    deadline = time.monotonic() + timeout
    while subprocess.run([ray, "job", "submit", "--address", address, "--", "true"], env=env, capture_output=True).returncode:
        assert time.monotonic() < deadline, "the cluster never accepted a job"
        time.sleep(2)


def submit(cluster, tmp_path, name, gpus=0, env=None, wait=True):
    (tmp_path / f"{name}.yaml").write_text(SWEEP.format(name=name, gpus=gpus))
    command = [sys.executable, "-m", "sweep.submit", "--address", cluster["address"],
               "--config", str(tmp_path / f"{name}.yaml"), "--storage", str(tmp_path)] + (["--wait"] if wait else [])  # fmt: skip
    return subprocess.run(command, env=env or cluster["env"], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_sweep_submitted_as_a_job_runs_on_both_nodes(cluster, tmp_path):
    completed = submit(cluster, tmp_path, "two-nodes")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "== study s: test RMSE (sales) ==" in completed.stdout  # the job's logs, streamed back
    trials = pq.read_table(tmp_path / "two-nodes" / "trials.parquet").to_pandas()
    assert len(trials) == 4 and (trials["status"] == "completed").all()
    per_node = trials.groupby("node_id").size()
    assert len(per_node) == 2, per_node  # trials ran on the head and on the worker node


def test_a_cluster_lacking_a_package_fails_before_the_sweep_naming_it(cluster, tmp_path):
    """Every node is asked, before any trial runs, for the packages the submitting machine has (here one more that no
    node has): the job ends with one error line naming the nodes and the package, and nothing is computed."""
    expected = expected_versions() | {"lstm-sweep-absent-probe": "1.0"}
    completed = submit(cluster, tmp_path, "lacking", env=cluster["env"] | {EXPECTED_VARIABLE: json.dumps(expected)})
    assert completed.returncode == 2, completed.stdout[-3000:] + completed.stderr[-3000:]
    errors = [line for line in completed.stdout.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: the cluster cannot run the trials: node ")
    assert errors[0].count("lacks lstm-sweep-absent-probe") == 2  # the head and the worker node
    assert "Traceback" not in completed.stdout and not (tmp_path / "lacking" / "trials.parquet").exists()


def test_ray_job_submit_runs_the_cli_too(cluster, tmp_path):
    (tmp_path / "cli.yaml").write_text(SWEEP.format(name="cli", gpus=0))
    shutil.copy(tmp_path / "cli.yaml", tmp_path / "job.yaml")
    completed = subprocess.run(
        [cluster["ray"], "job", "submit", "--address", cluster["address"], "--working-dir", str(ROOT), "--",
         "python", "-m", "sweep.run", "--config", str(tmp_path / "cli.yaml"), "--storage", str(tmp_path)],
        env=cluster["env"], capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert (tmp_path / "cli" / "trials.parquet").is_file()


def test_an_unsatisfiable_gpu_request_fails_in_seconds(cluster, tmp_path):
    started = time.monotonic()
    completed = submit(cluster, tmp_path, "gpu", gpus=1)
    assert completed.returncode == 2
    assert (
        "error: `resources.cpus_per_trial` (1) with `resources.gpus_per_trial` (1) fit on no node of the cluster "
        "(2 node(s): 1 CPUs + 0 GPUs, 1 CPUs + 0 GPUs); lower them or add a node that has both" in completed.stdout
    )
    assert time.monotonic() - started < 60


def test_a_wrong_token_gets_an_error_naming_the_fix(cluster, tmp_path):
    completed = submit(cluster, tmp_path, "denied", env=cluster["env"] | {"RAY_AUTH_TOKEN": "not-the-token"})
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        f"error: the Ray cluster at {cluster['address']} refused the request (Authentication failed: Forbidden: "
        "Invalid authentication token); set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN to the cluster's token "
        "(print it on the head node with `ray get-auth-token`), or put it in ~/.ray/auth_token"
    )


def test_an_unreachable_cluster_gets_an_error_naming_the_fix(tmp_path):
    address = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "x.yaml").write_text(SWEEP.format(name="x", gpus=0))
    completed = subprocess.run(
        [sys.executable, "-m", "sweep.submit", "--address", address, "--config", str(tmp_path / "x.yaml")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == (
        f"error: no Ray cluster answers at {address} (Failed to connect to Ray at address: {address}.); give the "
        "head node's dashboard address, e.g. http://HOST:8265, of a cluster started with `ray start --head`"
    )
