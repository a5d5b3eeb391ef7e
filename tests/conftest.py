import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest

from sweep.data.series import load_series
from sweep.execution.compile_cache import CACHE_VARIABLE, with_cache_flag

# The suite compiles the same few shapes in many processes: one XLA cache for the session, in a
# fresh folder (never the user's), set before any test imports TensorFlow.
os.environ[CACHE_VARIABLE] = tempfile.mkdtemp(prefix="lstm-sweep-test-xla-")
atexit.register(shutil.rmtree, os.environ[CACHE_VARIABLE], ignore_errors=True)
os.environ["TF_XLA_FLAGS"] = with_cache_flag(os.environ.get("TF_XLA_FLAGS", ""))


def pytest_collection_modifyitems(items):
    """Every end-to-end test runs real sweeps on Ray: marked slow (`-m "not slow"` runs the unit and project tests alone)."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def shampoo() -> np.ndarray:
    return load_series("shampoo").values


@pytest.fixture(scope="session")
def local_ray():
    """A small real Ray for the whole session (Ray 2.60 has no local_mode)."""
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_XLA_FLAGS": os.environ["TF_XLA_FLAGS"]}},
    )
    yield
    ray.shutdown()


def run_config(folder, name: str, text: str) -> tuple:
    """Write `<folder>/<name>.yaml`, run it through the CLI into `<folder>/results`, and return (results folder, printed)."""
    import contextlib
    import io

    from sweep.cli.run import main

    (folder / f"{name}.yaml").write_text(text)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["--config", str(folder / f"{name}.yaml"), "--storage", str(folder / "results")])
    assert status == 0, printed.getvalue()[-3000:]
    return folder / "results" / name, printed.getvalue()
