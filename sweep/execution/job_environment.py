"""The runtime environment a submitted job runs in: this checkout's code on the cluster's own packages, the same
with this installation's packages installed by Ray (`--pip`), or an image that holds both (`--image`)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

import trainables
from sweep.execution.preflight import EXPECTED_VARIABLE, expected_versions

DISTRIBUTION = "lstm-sweep"
SWEEP_PACKAGE = Path(__file__).resolve().parents[1]  # this checkout's (or installation's) `sweep`, sent with the job
CLUSTER_OWNS = {"ray"}  # the cluster's Ray runs the job: a job may not bring another one


def pinned_requirements() -> list[str]:
    """This installation's runtime dependencies at the versions installed here (`tensorflow==2.21.0`, ...), so a job's
    environment computes what the submitting machine does; extras such as `test` are left out, and Ray is the cluster's."""
    pinned = []
    for line in metadata.requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        if requirement.marker is not None or requirement.name in CLUSTER_OWNS:
            continue
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        pinned.append(f"{requirement.name}{extras}=={metadata.version(requirement.name)}")
    return pinned


def code_environment(working_dir: Path, pip: bool) -> dict:
    """The job's working directory (its config and data), this checkout's packages, and with `pip` the pinned packages.

    Every node is checked against the expected versions before the sweep (`sweep.execution.preflight`).
    """
    environment = {
        "working_dir": str(working_dir),
        "py_modules": [str(SWEEP_PACKAGE), str(Path(trainables.__file__).parent)],
        "env_vars": {EXPECTED_VARIABLE: json.dumps(expected_versions())},
    }  # the job's `sweep.run` adds the workers' other env_vars itself; Ray refuses the same key twice
    if pip:
        environment["pip"] = {"packages": pinned_requirements(), "pip_check": False}
    return environment


def image_environment(image: str) -> dict:
    """A container image with lstm-sweep installed (docker/Dockerfile.cpu): Ray runs the job and its workers in it.

    Ray allows no other field beside `image_uri` (no working_dir, no env_vars), so the job's config and data must be
    reachable from the cluster (an object-store URI or a shipped config), and the image's own packages are the expectation.
    """
    return {"image_uri": image}
