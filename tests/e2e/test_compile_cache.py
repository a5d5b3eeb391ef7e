"""XLA's persistent compilation cache: a later process loads what an earlier one compiled, whatever the order.

The cross-process check runs two fresh Python processes (TensorFlow reads its XLA flags once, at
import), each compiling the same two shapes, in opposite orders.
"""

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from sweep.config.loading import parse_config
from sweep.execution.compile_cache import CACHE_VARIABLE, FLAG, cache_folder, with_cache_flag

COMPILE_TWO_SHAPES = """
import json, sys
import numpy as np
from sweep.data.series import load_series
from trainables.data import prepare
from trainables.engines.compiled import CompiledRuns
from trainables.model import initial_state
from trainables.spec import ModelSpec

forecasts = {}
for batch_size, neurons in json.loads(sys.argv[1]):
    spec = ModelSpec(neurons=neurons)
    data = prepare(load_series("shampoo").values, 12, batch_size=batch_size)
    runs = CompiledRuns(data, batch_size, spec, [initial_state(spec, seed) for seed in (1, 2)])
    runs.train(5)
    forecasts[f"{batch_size}/{neurons}"] = runs.walk_forward()[1].tolist() + runs.diagnose()[1].tolist()
print(json.dumps(forecasts))
"""


def compile_in_a_fresh_process(shapes: list, cache: Path) -> dict:
    environment = os.environ | {"TF_XLA_FLAGS": f"{FLAG}={cache}", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", COMPILE_TWO_SHAPES, json.dumps(shapes)], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_later_process_loads_every_function_whatever_order_it_compiles_in(tmp_path):
    first = compile_in_a_fresh_process([[4, 1], [2, 2]], tmp_path)
    written = sorted(path.name for path in tmp_path.iterdir())
    assert len(written) == 8  # two shapes x (start, train, walk-forward, and the diagnostics' test forecast on first use)
    second = compile_in_a_fresh_process([[2, 2], [4, 1]], tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == written  # nothing compiled anew
    assert second == first  # the loaded executables give the same numbers to the last digit


def test_the_cache_folder_is_keyed_by_tensorflow_and_cpu_and_can_move_or_be_off(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    folder = cache_folder()
    assert folder.parent == tmp_path.resolve()
    assert folder.name.startswith(f"tf-{version('tensorflow')}-")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert cache_folder() is None
    assert with_cache_flag("--tf_xla_auto_jit=0") == "--tf_xla_auto_jit=0"
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_folder().parent == (tmp_path / "lstm-sweep" / "xla").resolve()


@pytest.mark.parametrize("user_flags", ["", f"{FLAG}=/elsewhere"])
def test_workers_get_the_cache_unless_the_user_set_one(monkeypatch, tmp_path, user_flags):
    from sweep.execution.cluster import worker_env

    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path))
    monkeypatch.setenv("TF_XLA_FLAGS", user_flags)
    config = parse_config({"name": "x", "studies": {"a": {"epochs": [1], "batch_size": [4], "neurons": [1]}}})
    flags = worker_env(config)["TF_XLA_FLAGS"]
    assert flags == (user_flags or f"{FLAG}={cache_folder()}")
