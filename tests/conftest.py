import atexit
import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, settings

from sweep.cli.run import main
from sweep.config.loading import load_config
from sweep.config.smoke import SMOKE_SUFFIX
from sweep.data.series import load_series
from sweep.execution.compile_cache import CACHE_VARIABLE, with_cache_flag

# The suite compiles the same few shapes in many processes: one XLA cache for the session, in a
# fresh folder (never the user's), set before any test imports TensorFlow. pytest-xdist's workers
# inherit the controller's folder (so they share it), and the controller removes it at the end.
if "PYTEST_XDIST_WORKER" not in os.environ:
    os.environ[CACHE_VARIABLE] = tempfile.mkdtemp(prefix="lstm-sweep-test-xla-")
    atexit.register(shutil.rmtree, os.environ[CACHE_VARIABLE], ignore_errors=True)
os.environ["TF_XLA_FLAGS"] = with_cache_flag(os.environ.get("TF_XLA_FLAGS", ""))

# Generated input (Hypothesis): the suite runs a fixed, derandomised budget in seconds; `HYPOTHESIS_PROFILE=long` many more.
_GENERATED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": None}
settings.register_profile("suite", max_examples=60, derandomize=True, **_GENERATED)
settings.register_profile("long", max_examples=5000, **_GENERATED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

RAY_FIXTURES = {"local_ray", "sweeps"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Every end-to-end test runs real sweeps on Ray: marked slow (`-m "not slow"` runs the unit and project tests alone).

    Under pytest-xdist (`-n 2`, the suite's default) the tests on the session's Ray (its sweeps) run in one worker, in
    order, sharing them; the end-to-end tests that start a Ray of their own (a `ray start` cluster, a CLI
    run to kill or interrupt) run in order in the other, beside the in-process tests. Much of a Ray test is waiting
    (start-up, polling, a job's driver): two at once keep both cores busy. A test that kills a trial's worker kills
    only its own Ray's (`tests/e2e/test_resume_and_failures.py`).
    """
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.slow)
        if RAY_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.xdist_group("session-ray"))
        elif "e2e" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("own-ray"))


@pytest.fixture(scope="session")
def shampoo() -> np.ndarray:
    return load_series("shampoo").values


@pytest.fixture(scope="session")
def local_ray():
    """A small real Ray for the whole session (Ray 2.60 has no local_mode), of one CPU: its trials run one at a time in
    one worker, so each sweep imports TensorFlow and loads its compiled functions once, not once per CPU (on 2 cores
    the suite's other half keeps the second busy; measured on one core, 4 shipped smoke runs: 108 s against 168 s)."""
    import ray

    ray.init(
        address="local",  # a new Ray, even while a test's `ray start` cluster is recorded on the machine
        num_cpus=1,
        include_dashboard=False,
        runtime_env={"env_vars": {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_XLA_FLAGS": os.environ["TF_XLA_FLAGS"]}},
    )
    yield
    ray.shutdown()


class SweepFactory:
    """Tiny sweeps run once a session through the CLI, cached by their config and arguments, so every module that
    asks for the same sweep shares one run (a sweep costs seconds of Ray, TensorFlow and XLA start-up)."""

    def __init__(self, root: Path):
        self.root = root
        self.runs: dict[tuple, tuple[Path, str]] = {}

    def run(self, text: str, *arguments: str) -> tuple[Path, str]:
        """(`<storage>/<name>`, what the run printed) of the config `text`; the run must succeed."""
        key = (text, arguments)
        if key not in self.runs:
            folder = self.root / f"sweep-{len(self.runs)}"
            folder.mkdir()
            name = yaml.safe_load(text)["name"]
            (folder / f"{name}.yaml").write_text(text)
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                status = main(["--config", str(folder / f"{name}.yaml"), "--storage", str(folder / "results"), *arguments])
            assert status == 0, printed.getvalue()[-3000:]
            self.runs[key] = folder / "results" / name, printed.getvalue()
        return self.runs[key]

    def shipped(self, file_name: str) -> tuple[Path, str]:
        """A shipped config's smoke run (`--smoke`): results under `<name>-smoke`."""
        key = (file_name, "--smoke")
        if key not in self.runs:
            folder = self.root / f"shipped-{file_name}"
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                status = main(["--config", file_name, "--smoke", "--storage", str(folder)])
            assert status == 0, printed.getvalue()[-3000:]
            self.runs[key] = folder / f"{load_config(file_name).name}{SMOKE_SUFFIX}", printed.getvalue()
        return self.runs[key]


@pytest.fixture(scope="session")
def sweeps(tmp_path_factory, local_ray) -> SweepFactory:
    return SweepFactory(tmp_path_factory.mktemp("sweeps"))


@pytest.fixture(scope="session")
def s3():
    """An S3 API on 127.0.0.1 (moto's server), its keys in the environment as a user exports them."""
    from s3_server import start_s3

    server, endpoint = start_s3()
    saved = {name: os.environ.get(name) for name in endpoint.environment}
    os.environ.update(endpoint.environment)
    yield endpoint
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
