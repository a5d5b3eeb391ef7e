"""`lstm-sweep submit`: what a job carries, and the environment it runs in."""

import argparse
from importlib import metadata

import pytest
import yaml
from ray.runtime_env import RuntimeEnv

from sweep.cli.submit import image_entrypoint, job_config, parse_args
from sweep.config.loading import parse_config
from sweep.config.validation import ConfigError
from sweep.execution.job_environment import code_environment, image_environment

GRID = {"epochs": [2], "batch_size": [4], "neurons": [1]}


def test_a_job_carries_every_data_file_of_the_catalogue(files, tmp_path):
    config = parse_config({"name": "x", "data": {"source": ["shampoo", str(files / "store*.csv")]}, "studies": {"s": GRID}})
    job = tmp_path / "job"
    job.mkdir()
    job_config(config, job)
    written = yaml.safe_load((job / "sweep.yaml").read_text())
    assert written["data"]["source"] == ["shampoo", "data/store0.csv", "data/store1.csv", "data/store2.csv"]
    assert (job / "data" / "store1.csv").read_bytes() == (files / "store1.csv").read_bytes()


def test_pip_pins_this_installations_dependencies_and_ray_accepts_the_environment(tmp_path):
    environment = code_environment(tmp_path, pip=True)
    packages = environment["pip"]["packages"]
    assert f"tensorflow=={metadata.version('tensorflow')}" in packages and f"statsmodels=={metadata.version('statsmodels')}" in packages
    assert not any(package.startswith(("ray", "pytest", "ruff")) for package in packages)  # Ray is the cluster's; no extras
    assert RuntimeEnv(**environment)["pip"]["packages"] == packages  # Ray's own validation of the fields
    assert "pip" not in code_environment(tmp_path, pip=False)


def test_an_image_job_runs_the_command_line_as_given_and_refuses_local_files(files, tmp_path):
    args = parse_args(["--address", "http://x:8265", "--config", "s3://lake/monthly.yaml", "data.fill=forward", "--storage",
                       "s3://lake/sweeps", "--image", "registry.example/lstm-sweep:cpu"])  # fmt: skip
    config = parse_config({"name": "x", "data": {"source": "s3://lake/sales.csv"}, "studies": {"s": GRID}})
    assert image_entrypoint(args, config) == "lstm-sweep run --config s3://lake/monthly.yaml data.fill=forward --storage s3://lake/sweeps"
    assert RuntimeEnv(**image_environment(args.image))["image_uri"] == "registry.example/lstm-sweep:cpu"
    local = parse_config({"name": "x", "data": {"source": str(files / "store0.csv")}, "studies": {"s": GRID}})
    with pytest.raises(ConfigError, match=r"with --image the job carries no files, and data.source '.*store0.csv' is a file on this"):
        image_entrypoint(args, local)
    (tmp_path / "mine.yaml").write_text("name: x\n")
    mine = argparse.Namespace(**(vars(args) | {"config": str(tmp_path / "mine.yaml")}))
    with pytest.raises(ConfigError, match=r"--config .*mine.yaml is a file on this machine; put it in object storage"):
        image_entrypoint(mine, config)
    shipped = argparse.Namespace(**(vars(args) | {"config": "monthly.yaml", "overrides": [], "storage": None, "smoke": True}))
    assert image_entrypoint(shipped, config) == "lstm-sweep run --config monthly.yaml --smoke"
    with pytest.raises(SystemExit):
        parse_args(["--address", "http://x:8265", "--config", "grid.yaml", "--pip", "--image", "i"])
