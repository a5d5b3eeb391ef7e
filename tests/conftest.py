import numpy as np
import pytest

from sweep.datasets import load_series


@pytest.fixture(scope="session")
def shampoo() -> np.ndarray:
    return load_series("shampoo").values


@pytest.fixture(scope="session")
def local_ray():
    """A small real Ray for the whole session (Ray 2.60 has no local_mode)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3"}})
    yield
    ray.shutdown()
