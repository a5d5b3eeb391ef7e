"""Whether trials fit the Ray they run on, an autoscaler told from a plain cluster, TensorFlow threads sized by the trial's CPUs."""

import time

import pytest

from sweep.cli.run import main
from sweep.config.loading import parse_config

VALID_STUDIES = "studies: {a: {epochs: [1], batch_size: [4], neurons: [1]}}\n"
VALID_GRID = {"epochs": [1], "batch_size": [4], "neurons": [1]}


@pytest.mark.parametrize("cpus, threads", [(1, "1"), (0.5, "1"), (2.5, "3"), (8, "8")])
def test_tensorflow_threads_follow_the_trials_cpus(cpus, threads):
    from sweep.execution.cluster import worker_env

    config = parse_config(
        {"name": "x", "resources": {"cpus_per_trial": cpus}, "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}}
    )
    environment = worker_env(config)
    assert environment["TF_NUM_INTRAOP_THREADS"] == environment["TF_NUM_INTEROP_THREADS"] == threads


def test_resources_no_node_can_hold(tmp_path, capsys, local_ray):
    config = tmp_path / "sweep.yaml"
    config.write_text("name: x\nresources: {cpus_per_trial: 1, gpus_per_trial: 0.5}\n" + VALID_STUDIES)
    started = time.monotonic()
    assert main(["--config", str(config), "--storage", str(tmp_path / "out")]) == 2
    assert time.monotonic() - started < 30  # an error in seconds, not trials pending forever
    assert capsys.readouterr().err.strip() == (
        "error: `resources.cpus_per_trial` (1) with `resources.gpus_per_trial` (0.5) fit on no node of the cluster "
        "(1 node(s): 1 CPUs + 0 GPUs); lower them or add a node that has both"
    )


@pytest.mark.parametrize("cpus, gpus, fits", [(8, 0, True), (1, 1, True), (0.5, 0.5, True), (2, 1, False), (8, 0.1, False), (16, 0, False)])
def test_a_trial_must_fit_on_one_node_not_on_the_largest_figures_of_two(monkeypatch, cpus, gpus, fits):
    from sweep.config.loading import parse_config
    from sweep.config.validation import ConfigError
    from sweep.execution import cluster

    monkeypatch.setattr(cluster.ray, "nodes", lambda: TWO_NODES)
    monkeypatch.setattr(cluster, "cluster_autoscales", lambda: False)
    config = parse_config({"name": "x", "resources": {"cpus_per_trial": cpus, "gpus_per_trial": gpus}, "studies": {"a": VALID_GRID}})
    if fits:
        assert cluster.check_resources(config) is None
    else:
        with pytest.raises(ConfigError, match=r"fit on no node of the cluster \(2 node\(s\): 8 CPUs \+ 0 GPUs, 1 CPUs \+ 1 GPUs\)"):
            cluster.check_resources(config)
        monkeypatch.setattr(cluster, "cluster_autoscales", lambda: True)
        assert cluster.check_resources(config).endswith("; the cluster autoscales, so trials wait for a node that fits")


@pytest.mark.parametrize(
    "report, autoscales",
    [
        ({"node_type_mapping": {"c64be388": "node_c64be388", "a1": "node_a1"}}, False),  # a plain `ray start` cluster
        ({"node_type_mapping": {"c64be388": "head", "a1": "cpu-worker"}}, True),  # node types from an autoscaling config
        (None, False),
    ],
)
def test_an_autoscaler_is_told_from_a_plain_clusters_monitor(monkeypatch, report, autoscales):
    import json

    import ray.autoscaler.v2.utils
    import ray.experimental.internal_kv

    from sweep.execution.cluster import cluster_autoscales

    status = json.dumps({"autoscaler_report": report}).encode()
    monkeypatch.setattr(ray.experimental.internal_kv, "_internal_kv_get", lambda key: status)
    monkeypatch.setattr(ray.autoscaler.v2.utils, "is_autoscaler_v2", lambda fetch_from_server: False)
    assert cluster_autoscales() is autoscales


TWO_NODES = [
    {"Alive": True, "Resources": {"CPU": 8.0, "GPU": 0.0}},
    {"Alive": True, "Resources": {"CPU": 1.0, "GPU": 1.0}},
    {"Alive": False, "Resources": {"CPU": 8.0, "GPU": 8.0}},  # a dead node holds nothing
]


@pytest.mark.parametrize("reuse", [True, False])
def test_reuse_workers_decides_whether_tune_reuses_a_trials_worker(reuse):
    from sweep.execution.tuner import trial_options

    config = parse_config({"name": "x", "resources": {"reuse_workers": reuse}, "studies": {"a": VALID_GRID}})
    assert trial_options(config, ["epochs"])["reuse_actors"] is reuse
    assert parse_config({"name": "x", "studies": {"a": VALID_GRID}}).resources.reuse_workers is True  # the default
