"""Driver work spread over the cluster's CPUs as Ray tasks (a catalogue's statistics, `sweep.results.per_series`)."""

from __future__ import annotations

from collections.abc import Callable

import ray


def map_as_tasks(function: Callable, items: list) -> list:
    """`[function(item) for item in items]`, a Ray task each, in the items' order."""
    remote = ray.remote(num_cpus=1)(function)
    return ray.get([remote.remote(item) for item in items])
