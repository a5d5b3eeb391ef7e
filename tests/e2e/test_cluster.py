"""A real two-node Ray cluster on this machine (`ray start`), with token authentication, driven
through the Ray Jobs API by `sweep.submit` and by `ray job submit`."""

import contextlib
import io
import json
import os
import re
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
from tune_state import finished_trials, saved_as_finished, wait_for

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


def node_options(cpus: int = 1) -> list[str]:
    """`cpus` CPUs on loopback, and free ports for the per-node agents: the defaults may be held by the
    test session's own local Ray, and a head whose job agent cannot bind never accepts a job."""
    ports = ["dashboard-agent-listen-port", "dashboard-agent-grpc-port", "metrics-export-port", "runtime-env-agent-port"]
    options = [f"--num-cpus={cpus}", "--node-ip-address=127.0.0.1", "--disable-usage-stats"]
    return options + [f"--{option}={free_port()}" for option in ports]


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


def start_cluster(marker: str, prefix: str = "", workers: int = 1) -> dict:
    """A head and `workers` worker nodes (0 or 1), 1 CPU each (a lone head 2), token auth on, their temp folders
    `<marker>/<prefix>head` and `.../<prefix>worker`."""
    env = os.environ | {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    env.pop("RAY_ADDRESS", None)
    port, dashboard = free_port(), free_port()
    ray = str(Path(sys.executable).parent / "ray")
    subprocess.run(
        [ray, "start", "--head", f"--port={port}", "--dashboard-host=127.0.0.1", f"--dashboard-port={dashboard}",
         f"--temp-dir={marker}/{prefix}head", *node_options(cpus=1 if workers else 2)], env=env, check=True, capture_output=True,
    )  # fmt: skip
    for _ in range(workers):  # each node its own temp folder: nodes sharing one would delete each other's job files
        subprocess.run(
            [ray, "start", f"--address=127.0.0.1:{port}", f"--temp-dir={marker}/{prefix}worker", *node_options()],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    address = f"http://127.0.0.1:{dashboard}"
    wait_until_jobs_run(ray, address, env)
    return {"address": address, "env": env, "ray": ray, "marker": marker, "prefix": prefix, "gcs": f"127.0.0.1:{port}"}


def kill_processes(pids: list[int], signals=(signal.SIGKILL,)) -> None:
    for sig in signals:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        time.sleep(2 if len(signals) > 1 else 0)


@pytest.fixture(scope="module")
def cluster(s3):
    """Head plus one worker node (`start_cluster`), the S3 server's keys in their environment as a user's nodes have their
    store's; every Ray process under its marker folder stopped afterwards."""
    marker = tempfile.mkdtemp(prefix="lsw", dir="/tmp")  # short: Ray's socket paths are length-limited
    yield start_cluster(marker)
    kill_processes(ray_processes(marker), (signal.SIGTERM, signal.SIGKILL))
    shutil.rmtree(marker, ignore_errors=True)


def wait_until_jobs_run(ray: str, address: str, env: dict, timeout: float = 120) -> None:
    """`ray start` returns before the head's job agent is up; a trivial job it accepts tells when it is (`--no-wait`: not
    waiting for the job to run, which costs seconds more)."""
    deadline = time.monotonic() + timeout
    probe = [ray, "job", "submit", "--no-wait", "--address", address, "--", "true"]
    while subprocess.run(probe, env=env, capture_output=True).returncode:
        assert time.monotonic() < deadline, "the cluster never accepted a job"
        time.sleep(2)


def submit(cluster, tmp_path, name, gpus=0, env=None, wait=True):
    (tmp_path / f"{name}.yaml").write_text(SWEEP.format(name=name, gpus=gpus))
    command = [sys.executable, "-m", "sweep.submit", "--address", cluster["address"],
               "--config", str(tmp_path / f"{name}.yaml"), "--storage", str(tmp_path)] + (["--wait"] if wait else [])  # fmt: skip
    return subprocess.run(command, env=env or cluster["env"], capture_output=True, text=True, timeout=300, cwd=ROOT)


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


def descendants(pids: list[int]) -> list[int]:
    """These processes and every process under them (a node's raylet starts its workers, which Ray retitles)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return sorted(found)


def trial_running_under(pids: list[int]) -> bool:
    for pid in descendants(pids):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::ImplicitFunc"):
                return True
        except OSError:
            continue
    return False


KERAS_SWEEP = """\
name: {name}
engine: keras
repeats: 2
repeats_per_trial: 1
seed: 3
max_failures: 3
resources: {{cpus_per_trial: 1}}
studies:
  s: {{epochs: [40], batch_size: [4], neurons: [1, 2]}}
"""


def read_trials(s3, key: str):
    with s3.filesystem().open_input_file(key) as stream:
        return pq.read_table(io.BytesIO(stream.read())).to_pandas()


def test_a_worker_node_killed_mid_sweep_costs_a_retry_not_a_result(cluster, s3, tmp_path):
    """The CLI submitted with `ray job submit` (the sweep as a plain Ray job), its results on the S3 server, runs on every
    node; a third node joins, and once a trial trains there the whole node (its raylet, agents and workers) is
    SIGKILLed. The sweep finishes on the head and the other worker: each repeat exactly once, the lost trial retried,
    the node named, and no traceback in the job's log. (`sweep.submit`: the head-loss test below.)"""
    s3.filesystem().create_dir("cluster")
    doomed = f"{cluster['marker']}/doomed"
    subprocess.run(
        [cluster["ray"], "start", f"--address={cluster['gcs']}", f"--temp-dir={doomed}", *node_options()],
        env=cluster["env"], check=True, capture_output=True,
    )  # fmt: skip
    (tmp_path / "lossy.yaml").write_text(KERAS_SWEEP.format(name="lossy") + f'storage: "{s3.uri("cluster/sweeps")}"\n')
    command = [cluster["ray"], "job", "submit", "--address", cluster["address"], "--working-dir", str(ROOT), "--",
               "python", "-m", "sweep.run", "--config", str(tmp_path / "lossy.yaml")]  # fmt: skip
    job = subprocess.Popen(command, env=cluster["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    node = ray_processes(doomed)
    deadline = time.monotonic() + 240
    while not trial_running_under(node):
        assert job.poll() is None, "the job ended before a trial ran on the third node: " + "".join(job.communicate())[-3000:]
        assert time.monotonic() < deadline, "no trial ever ran on the third node"
        time.sleep(0.5)
    time.sleep(3)  # mid-fit
    kill_processes(descendants(node))
    stdout, stderr = job.communicate(timeout=300)
    assert job.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "Traceback" not in stdout + stderr, stdout[-3000:]
    trials = read_trials(s3, "cluster/sweeps/lossy/trials.parquet")
    assert sorted(zip(trials["neurons"], trials["repeat"], trials["origin"])) == [(n, r, 0) for n in (1, 2) for r in (0, 1)]
    assert (trials["status"] == "completed").all() and trials["failures"].sum() >= 1
    assert trials["node_id"].nunique() >= 2  # the head and the surviving worker (and the lost node, had a trial finished there)
    assert "== study s: test RMSE (sales) ==" in stdout  # the job's logs, streamed back by `ray job submit`
    lost = [line for line in stdout.splitlines() if line.startswith("warning: node ")]
    assert len(lost) == 1 and lost[0].endswith("left the cluster during the sweep; its trials were retried on the others (`max_failures`)")
    assert re.search(r"^warning: trial neurons=\d r\d shampoo failed \(.*unavailable.*\); retrying it \(failure 1\)$", stdout, re.MULTILINE)
    assert re.search(r"^note: [12] trial\(s\) failed and completed on a retry .*neurons=\d r\d", stdout, re.MULTILINE), stdout[-3000:]


def test_a_sweep_whose_head_node_died_resumes_on_a_new_cluster(cluster, s3, tmp_path):
    """Runs last: the module's cluster dies (its head, with the job's driver on it, and its worker node, SIGKILL) once
    a trial has finished; on a new cluster (a lone head) `submit --resume` completes the sweep from the same storage (the S3 server),
    the finished trials not run again and every repeat recorded once. (A killed CLI on a laptop resumes the same way.)"""
    filesystem = s3.filesystem()
    filesystem.create_dir("cluster")
    config = tmp_path / "headless.yaml"
    sweep = KERAS_SWEEP.format(name="headless").replace("epochs: [40]", "epochs: [10, 80]")
    config.write_text(sweep.replace("neurons: [1, 2]", "neurons: [1]"))
    experiment = "cluster/sweeps/headless/tune"
    arguments = ["--config", str(config), "--storage", s3.uri("cluster/sweeps")]
    submitted = subprocess.run([sys.executable, "-m", "sweep.submit", "--address", cluster["address"], *arguments],
                               env=cluster["env"], capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    wait_for(lambda: len(saved_as_finished(experiment, filesystem)) >= 1, interval=1)
    nodes = [f"{cluster['marker']}/{cluster['prefix']}{node}" for node in ("head", "worker")]
    kill_processes(descendants([pid for node in nodes for pid in ray_processes(node)]))
    before = saved_as_finished(experiment, filesystem)
    assert 1 <= len(before) < 4, before

    again = start_cluster(cluster["marker"], prefix="again-", workers=0)
    resumed = subprocess.run([sys.executable, "-m", "sweep.submit", "--address", again["address"], *arguments, "--resume", "--wait"],
                             env=again["env"], capture_output=True, text=True, timeout=300, cwd=ROOT)  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "Traceback" not in resumed.stdout
    trials = read_trials(s3, "cluster/sweeps/headless/trials.parquet")
    assert sorted(zip(trials["epochs"], trials["repeat"])) == [(e, r) for e in (10, 80) for r in range(2)]
    assert (trials["status"] == "completed").all()
    after = finished_trials(experiment, filesystem)
    assert {trial: after[trial] for trial in before} == before  # finished trials were not run again
