"""A fresh worker after `resources.shapes_per_worker` distinct compiled shapes, without a trial failing.

TensorFlow never frees a compiled shape while its process lives (~20 MiB each, `benchmarks/soak.py`), and Tune's
public API cannot retire a reused worker: `reset_config` returning False fails the next trial. What Tune does promise is
to reuse a worker only for a trial that asks for the same resources. So trials are numbered in generations, as Tune
creates them: a generation holds at most N distinct shapes, and each asks for its generation's number in bytes of Ray's
`memory` resource beside its CPUs and GPUs (a request that reserves nothing a node could miss). A worker of one
generation is never handed a trial of the next: when its last trial ends Tune stops it, and the next trial starts in a
fresh process.

Tune unpickles the trainable, and with it the resource function, each time it creates a trial; the generations'
state lives here, in the driver, under the key the pickled function carries.
"""

from __future__ import annotations

import contextlib
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
    given: dict[str, int] = field(default_factory=dict)  # a trial's request (as JSON) -> its generation

    def generation(self, config: Mapping[str, Any]) -> int:
        request = TrialRequest.from_tune(config)
        asked = json.dumps(request.to_tune(), sort_keys=True, default=str)
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

    def __call__(self, config: Mapping[str, Any]) -> PlacementGroupFactory:
        generations = _LIVE.get(self.key)  # absent only outside the driver's sweep, where nothing is scheduled
        generation = generations.generation(config) if generations is not None else 0
        return PlacementGroupFactory([{"CPU": self.cpus, "GPU": self.gpus, "memory": generation}])


@contextlib.contextmanager
def trial_resources(cpus: float, gpus: float, limit: int | None, lengths: Mapping[str, int]) -> Iterator[TrialResources]:
    """The resource function of one Tune run, its generations kept for as long as the run lasts."""
    key = uuid.uuid4().hex
    _LIVE[key] = ShapeGenerations(limit, lengths)
    try:
        yield TrialResources(key, cpus, gpus)
    finally:
        del _LIVE[key]
