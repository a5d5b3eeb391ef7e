"""Worker generations: a fresh worker after N distinct compiled shapes, told to Tune as a different resource request."""

import cloudpickle
import numpy as np
import pytest
from ray.tune import PlacementGroupFactory

from sweep.config.loading import parse_config
from sweep.execution.tuner import worker_resources
from sweep.execution.worker_generations import ShapeGenerations, trial_resources
from trainables import TrialRequest

LENGTHS = {"a": 36, "b": 36, "c": 48}


def trial(epochs=1, neurons=1, repeats=(0, 1), series=("a",), seed=0) -> dict:
    point = {"epochs": epochs, "batch_size": 4, "neurons": neurons}
    request = TrialRequest(point=point, repeat_indices=repeats, base_seed=seed, engine="compiled", test_size=12, difference_lag=1,
                           diagnostics_every=0, series=series)  # fmt: skip
    return request.tune_config()


def test_a_generation_holds_at_most_its_limit_of_distinct_shapes():
    generations = ShapeGenerations(limit=2, lengths=LENGTHS)
    numbers = [generations.generation(config) for config in (trial(neurons=1), trial(neurons=2), trial(neurons=1), trial(neurons=3))]
    assert numbers == [0, 0, 0, 1]
    assert generations.generation(trial(neurons=1)) == 0  # a trial created again (Tune's retry) keeps its worker generation
    assert generations.generation(trial(neurons=1, seed=1)) == 1  # a shape of an earlier generation is new to this one
    assert generations.generation(trial(neurons=2, seed=1)) == 2


@pytest.mark.parametrize(
    "other, same_shape",
    [
        (trial(epochs=5), True),  # epochs, seeds and which repeats run change values, not what is compiled
        (trial(repeats=(2, 3), seed=9), True),
        (trial(series=("b",)), True),  # another series of the same length
        (trial(series=("c",)), False),
        (trial(repeats=(0, 1, 2)), False),
        (trial(neurons=2), False),
    ],
)
def test_what_counts_as_a_new_shape(other, same_shape):
    generations = ShapeGenerations(limit=1, lengths=LENGTHS)
    generations.generation(trial())
    assert (generations.generation(other) == 0) is same_shape


def test_no_limit_is_one_generation_and_the_resources_survive_tunes_pickling():
    with trial_resources(cpus=1, gpus=0, limit=None, lengths=LENGTHS) as resources:
        unpickled = cloudpickle.loads(cloudpickle.dumps(resources))  # as Tune's registry hands it back for each trial
        assert {unpickled(trial(neurons=units)) for units in range(1, 20)} == {PlacementGroupFactory([{"CPU": 1}])}
    with trial_resources(cpus=2, gpus=0.5, limit=1, lengths=LENGTHS) as resources:
        unpickled = cloudpickle.loads(cloudpickle.dumps(resources))
        assert unpickled(trial(neurons=1)) == resources(trial(neurons=1)) == PlacementGroupFactory([{"CPU": 2, "GPU": 0.5}])
        assert unpickled(trial(neurons=2)).bundles == [{"CPU": 2, "GPU": 0.5, "memory": 1}]  # one byte of Ray's logical memory


def test_a_process_other_than_the_driver_keeps_its_own_count():
    """With Ray Client, Tune creates trials in an actor of its own: the function pickled there counts there."""
    with trial_resources(cpus=1, gpus=0, limit=1, lengths=LENGTHS) as resources:
        pickled = cloudpickle.dumps(resources)
    elsewhere = cloudpickle.loads(pickled)  # the driver's count is gone, as it would be in another process
    assert [elsewhere(trial(neurons=units)).bundles[0].get("memory", 0) for units in (1, 1, 2, 3)] == [0, 0, 1, 2]


@pytest.mark.parametrize("resources, workers", [({}, 2), ({"shapes_per_worker": None}, 1), ({"reuse_workers": False}, 1)])
def test_the_limit_applies_to_reused_workers_only(resources, workers):
    """17 shapes: the default 16 a worker asks for a second worker; no limit, or a fresh worker per trial, never does."""
    config = parse_config({"name": "x", "resources": resources, "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}})
    with worker_resources(config, {name: np.zeros(length) for name, length in LENGTHS.items()}) as function:
        assert len({function(trial(neurons=units)) for units in range(1, 18)}) == workers
