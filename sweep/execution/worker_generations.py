"""A fresh worker after `resources.shapes_per_worker` distinct compiled shapes, without a trial failing.

TensorFlow never frees a compiled shape while its process lives (~20 MiB each, `benchmarks/soak.py`), and Tune's
public API cannot retire a reused worker: `reset_config` returning False fails the next trial. What Tune does promise is
to reuse a worker only for a trial that asks for the same resources. So trials are numbered in generations, as Tune
creates them: a generation holds at most N distinct shapes, and each asks for its generation's number in bytes of Ray's
`memory` resource beside its CPUs and GPUs (it reserves N bytes of Ray's logical memory: nothing a node would miss). A worker of one
generation is never handed a trial of the next: when its last trial ends Tune stops it, and the next trial starts in a
fresh process.

Tune unpickles the trainable, and with it the resource function, each time it creates a trial; the generations'
state lives in the process that creates trials (the driver; with Ray Client, the actor Tune runs in), under the key the
pickled function carries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ray.tune import PlacementGroupFactory

from trainables import TrialRequest

_LIVE: dict[str, ShapeGenerations] = {}


@dataclass
class ShapeGenerations:
    """Each trial's generation, in the order Tune creates them; a trial asked again keeps its number."""

    limit: int | None  # distinct shapes a generation holds; None: one generation
    lengths: Mapping[str, int]  # each series' observations, which set its windows' shapes
    shapes: set[str] = field(default_factory=set)  # the current generation's
    current: int = 0
    given: dict[bytes, int] = field(default_factory=dict)  # a digest of a trial's request -> its generation

    def generation(self, config: Mapping[str, Any]) -> int:
        request = TrialRequest.from_tune(config)
        asked = hashlib.sha256(json.dumps(request.to_tune(), sort_keys=True, default=str).encode()).digest()
        if asked not in self.given:
            shape = request.compiled_shape([self.lengths[name] for name in request.series])
            if shape not in self.shapes and self.limit is not None and len(self.shapes) == self.limit:
                self.current, self.shapes = self.current + 1, set()
            self.shapes.add(shape)
            self.given[asked] = self.current
        return self.given[asked]


@dataclass(frozen=True)
class TrialResources:
    """`tune.with_resources`' function: a trial's CPUs and GPUs, and its generation as bytes of `memory`."""

    key: str
    cpus: float
    gpus: float
    limit: int | None
    lengths: Mapping[str, int]

    def __call__(self, config: Mapping[str, Any]) -> PlacementGroupFactory:
        generations = _LIVE.setdefault(self.key, ShapeGenerations(self.limit, self.lengths))  # set here unless in the driver
        return PlacementGroupFactory([{"CPU": self.cpus, "GPU": self.gpus, "memory": generations.generation(config)}])


@contextlib.contextmanager
def trial_resources(cpus: float, gpus: float, limit: int | None, lengths: Mapping[str, int]) -> Iterator[TrialResources]:
    """The resource function of one Tune run, its generations kept for as long as the run lasts."""
    resources = TrialResources(uuid.uuid4().hex, cpus, gpus, limit, dict(lengths))
    try:
        yield resources
    finally:
        _LIVE.pop(resources.key, None)
