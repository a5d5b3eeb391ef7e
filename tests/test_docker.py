"""No Docker engine runs here: keep the images and manifests honest by reading them."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from sweep.config import CONF_DIR, load_config

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"


def project_modules(text: str) -> list[str]:
    """Modules of this project that `python -m ...` commands in `text` run."""
    return re.findall(r"python -m ((?:sweep|trainables)\.\w+)", text)


@pytest.mark.parametrize("dockerfile", ["Dockerfile.cpu", "Dockerfile.gpu"])
def test_dockerfiles_copy_what_exists_and_run_shipped_configs(dockerfile):
    text = (DOCKER / dockerfile).read_text()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"{dockerfile}: COPY {source}"
    command = re.search(r"^CMD (\[.*\])$", text, flags=re.M).group(1)
    config = yaml.safe_load(command)[-1]
    assert load_config(CONF_DIR / config).studies


def test_compose_publishes_the_dashboard_on_loopback_only():
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"head", "worker"}
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port
        assert service["environment"]["RAY_AUTH_MODE"] == "token"
    assert (ROOT / compose["services"]["head"]["build"]["context"].replace("..", ".") / "docker" / "Dockerfile.cpu").is_file()
    assert "--address=head:6379" in compose["services"]["worker"]["command"]


def test_rayjob_runs_the_full_study_and_exposes_nothing():
    documents = list(yaml.safe_load_all((DOCKER / "kuberay-rayjob.yaml").read_text()))
    assert [document["kind"] for document in documents] == ["RayJob"]
    job = documents[0]["spec"]
    command = shlex.split(job["entrypoint"])
    assert command[:3] == ["python", "-m", "sweep.run"]
    assert load_config(CONF_DIR / command[command.index("--config") + 1]).name == "shampoo-seed"
    text = (DOCKER / "kuberay-rayjob.yaml").read_text()
    assert not re.search(r"^\s*(type:\s*(LoadBalancer|NodePort)|kind:\s*Ingress)", text, flags=re.M)


def test_documented_module_commands_exist():
    for path in [*DOCKER.iterdir(), ROOT / "README.md"]:
        for module in project_modules(path.read_text()):
            assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), f"{path.name}: {module}"
