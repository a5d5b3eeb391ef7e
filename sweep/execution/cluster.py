"""Which Ray a sweep runs on, said out loud, and whether its trials fit there.

Without `--address` (or RAY_ADDRESS, which a Ray job sets) a sweep starts its own local Ray, even
when a `ray start` cluster, alive or dead, is recorded on the machine: plain `ray.init()` would
join that one, and retry a dead one forever.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Iterator

import ray

from sweep.config.model import SweepConfig
from sweep.config.validation import ConfigError
from sweep.execution.compile_cache import with_cache_flag

READ_ONLY_NODE_TYPE = re.compile(r"node_[0-9a-f]+")  # what a cluster without an autoscaler config reports


def start_ray(config: SweepConfig, address: str | None, num_cpus: int | None, worker_logs: bool = False, dashboard: bool = False) -> str:
    """Join the cluster at `address` (or RAY_ADDRESS), else start a local Ray; say which, in one line.

    A Ray already started in this process (by a test, a notebook) is used as it is. The workers' output
    (TensorFlow's start-up lines, which no setting silences) stays in Ray's log files unless `worker_logs`;
    a trial's error still reaches the console through Tune. A local Ray's workers inherit their
    environment from the processes `ray.init` starts, rather than through a runtime environment: then
    the workers Ray starts with the node serve the trials (a runtime environment would start others),
    and its dashboard (~2 s of start-up on 2 cores) only runs when asked for.
    """
    if ray.is_initialized():
        return f"ray: the Ray this process already runs ({_size()})"
    target = address or os.environ.get("RAY_ADDRESS")
    if target:
        if num_cpus is not None:
            raise ConfigError("--num-cpus sizes a local Ray only; a cluster's nodes bring their own CPUs")
        try:
            ray.init(address=target, runtime_env={"env_vars": worker_env(config)}, logging_level="WARNING", log_to_driver=worker_logs)
        except (ConnectionError, RuntimeError) as error:
            raise ConfigError(f"cannot join the Ray cluster at {target!r}: {error}") from None
        return f"ray: joined the cluster at {target} ({_size()})"
    with environment_set(worker_env(config)):
        context = ray.init(
            address="local",
            num_cpus=num_cpus,
            include_dashboard=dashboard,
            dashboard_host="127.0.0.1",
            configure_logging=True,
            logging_level="WARNING",
            log_to_driver=worker_logs,
        )
    return f"ray: started a local Ray ({_size()}){f', dashboard at http://{context.dashboard_url}' if dashboard else ''}"


@contextlib.contextmanager
def environment_set(variables: dict[str, str]) -> Iterator[None]:
    """These variables set for the processes started meanwhile, this process's own restored after.

    Only these: `ray.init` sets variables of its own in this process (its auth mode among them), which
    must stay (so not `mock.patch.dict`, which restores the whole environment)."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def alive_nodes() -> list[dict]:
    """The nodes of the connected Ray that are up now."""
    return [node for node in ray.nodes() if node["Alive"]]


def _size() -> str:
    nodes = alive_nodes()
    cpus = sum(node["Resources"].get("CPU", 0) for node in nodes)
    gpus = sum(node["Resources"].get("GPU", 0) for node in nodes)
    return f"{len(nodes)} node(s), {cpus:g} CPUs, {gpus:g} GPUs"


def check_resources(config: SweepConfig) -> str | None:
    """Refuse, before any trial pends forever, a trial no node of the cluster could hold: CPUs and GPUs
    must fit on one node together. On an autoscaling cluster a node may yet come: a note, not an error."""
    wanted = {"CPU": config.resources.cpus_per_trial, "GPU": config.resources.gpus_per_trial}
    nodes = [node["Resources"] for node in alive_nodes()]
    if any(all(node.get(resource, 0) >= amount for resource, amount in wanted.items()) for node in nodes):
        return None
    largest = ", ".join(f"{node.get('CPU', 0):g} CPUs + {node.get('GPU', 0):g} GPUs" for node in nodes[:4]) or "none"
    problem = (
        f"`resources.cpus_per_trial` ({wanted['CPU']:g}) with `resources.gpus_per_trial` ({wanted['GPU']:g}) fit on no "
        f"node of the cluster ({len(nodes)} node(s): {largest}{', ...' if len(nodes) > 4 else ''})"
    )
    if cluster_autoscales():
        return f"{problem}; the cluster autoscales, so trials wait for a node that fits"
    raise ConfigError(f"{problem}; lower them or add a node that has both")


def cluster_autoscales() -> bool:
    """Whether an autoscaler can add nodes to this cluster. v2 flags itself in the GCS; v1 reports its
    node types there, and a plain `ray start` cluster reports only read-only `node_<id>` types."""
    try:
        from ray._private import ray_constants  # private modules that move between Ray releases: their ImportError is handled below
        from ray.autoscaler.v2.utils import is_autoscaler_v2
        from ray.experimental.internal_kv import _internal_kv_get

        status = _internal_kv_get(ray_constants.DEBUG_AUTOSCALING_STATUS)
        report = (json.loads(status).get("autoscaler_report") or {}) if status else {}
        node_types = (report.get("node_type_mapping") or {}).values()
        v1 = any(not READ_ONLY_NODE_TYPE.fullmatch(node_type) for node_type in node_types)
        return v1 or is_autoscaler_v2(fetch_from_server=True)
    except Exception:  # noqa: BLE001 - a cluster we cannot ask is treated as fixed: refusing is the safe side
        return False


def worker_env(config: SweepConfig) -> dict[str, str]:
    """Environment of every trial's worker: quiet TensorFlow, GPU memory taken as needed (several trials
    share a GPU), TensorFlow's thread pools sized by the trial's CPUs rather than the node's cores, and
    XLA's compilation cache (`sweep/compile_cache.py`)."""
    threads = str(max(1, math.ceil(config.resources.cpus_per_trial)))
    return {
        "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": threads,
        "TF_XLA_FLAGS": with_cache_flag(os.environ.get("TF_XLA_FLAGS", "")),
    }  # fmt: skip
