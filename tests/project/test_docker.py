"""No Docker engine runs here: keep the images and manifests honest by reading them."""

import re
import shlex
from pathlib import Path

import jsonschema
import pytest
import yaml

from sweep.cli.run import parse_args
from sweep.config.loading import CONF_DIR, load_config
from sweep.config.overrides import with_overrides

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def project_modules(text: str) -> list[str]:
    """Modules of this project that `python -m ...` commands in `text` run."""
    return re.findall(r"python -m ((?:sweep|trainables)\.\w+)", text)


@pytest.mark.parametrize("dockerfile", ["Dockerfile.cpu", "Dockerfile.gpu"])
def test_dockerfiles_copy_what_exists_and_run_shipped_configs(dockerfile):
    text = (DOCKER / dockerfile).read_text()
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in [word for word in line.split()[1:-1] if not word.startswith("--")]:
                assert (ROOT / source).exists(), f"{dockerfile}: COPY {source}"
    command = re.search(r"^CMD (\[.*\])$", text, flags=re.M).group(1)
    config = yaml.safe_load(command)[-1]
    assert load_config(CONF_DIR / config).studies
    # the official Ray image of the pinned Ray, and every dependency installed at its tested version
    assert re.search(r"^FROM rayproject/ray:(\S+)-py311-(cpu|gpu)$", text, flags=re.M).group(1) == pinned("ray")
    assert "pip install --no-cache-dir -c constraints.txt" in text


def test_compose_publishes_the_dashboard_on_loopback_only():
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"head", "worker"}
    for service in compose["services"].values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), port
        assert service["environment"]["RAY_AUTH_MODE"] == "token"
    assert (ROOT / compose["services"]["head"]["build"]["context"].replace("..", ".") / "docker" / "Dockerfile.cpu").is_file()
    assert "--address=head:6379" in compose["services"]["worker"]["command"]


def pinned(package: str) -> str:
    """A package's version in constraints.txt, which CI and the images install with."""
    return re.search(rf"^{package}==(\S+)$", (ROOT / "constraints.txt").read_text(), flags=re.M).group(1)


RAYJOBS = ["kuberay-rayjob.yaml", "kuberay-s3-rayjob.yaml"]


def rayjob_documents(file_name: str = "kuberay-rayjob.yaml") -> dict[str, dict]:
    return {document["kind"]: document for document in yaml.safe_load_all((DOCKER / file_name).read_text())}


@pytest.fixture(scope="module")
def crd() -> dict:
    """KubeRay's RayJob CRD (1.3 MB of YAML: libyaml's loader reads it in a fifth of the pure-Python one's time)."""
    return yaml.load((DOCKER / "kuberay" / "ray.io_rayjobs.yaml").read_text(), Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("file_name", RAYJOBS)
def test_rayjob_is_valid_against_kuberays_own_crd_schema(file_name, crd):
    version = next(version for version in crd["spec"]["versions"] if version["name"] == "v1")
    validator = jsonschema.Draft202012Validator(version["schema"]["openAPIV3Schema"])
    job = rayjob_documents(file_name)["RayJob"]
    assert job["apiVersion"] == f"{crd['spec']['group']}/v1" and job["kind"] == crd["spec"]["names"]["kind"]
    assert not [error.message for error in validator.iter_errors(job)]
    broken = job | {"spec": job["spec"] | {"rayClusterSpec": job["spec"]["rayClusterSpec"] | {"authOptions": {"mode": "tokens"}}}}
    assert [error.message for error in validator.iter_errors(broken)] == ["'tokens' is not one of ['disabled', 'token']"]


def test_rayjob_runs_the_full_study_on_the_pinned_ray_with_token_auth_and_exposes_nothing():
    documents = rayjob_documents()
    assert set(documents) == {"RayJob", "PersistentVolumeClaim"}
    job = documents["RayJob"]["spec"]
    command = shlex.split(job["entrypoint"])
    assert command[:2] == ["lstm-sweep", "run"] and command[-2:] == ["--resume", "auto"]  # one command a retry can repeat
    assert load_config(CONF_DIR / command[command.index("--config") + 1]).name == "shampoo-seed"
    cluster = job["rayClusterSpec"]
    assert cluster["rayVersion"] == pinned("ray") and cluster["authOptions"]["mode"] == "token"
    text = (DOCKER / "kuberay-rayjob.yaml").read_text()
    assert not re.search(r"^\s*(type:\s*(LoadBalancer|NodePort)|kind:\s*Ingress)", text, flags=re.M)
    # results: a volume on the head alone (its driver writes them), claimed once, never on workers
    head = cluster["headGroupSpec"]["template"]["spec"]
    claim = documents["PersistentVolumeClaim"]
    assert head["volumes"] == [{"name": "results", "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"] and "--storage" in command
    assert all("volumes" not in group["template"]["spec"] for group in cluster["workerGroupSpecs"])
    gpu = next(group for group in cluster["workerGroupSpecs"] if group["groupName"] == "gpu-workers")
    assert gpu["replicas"] == 0 and gpu["template"]["spec"]["containers"][0]["image"].endswith(":gpu")


def test_s3_recipe_reads_config_and_data_from_s3_writes_results_there_and_takes_keys_from_a_secret():
    job = rayjob_documents("kuberay-s3-rayjob.yaml")["RayJob"]["spec"]
    arguments = run_arguments(shlex.split(job["entrypoint"]))
    assert arguments.config.startswith("s3://") and arguments.storage.startswith("s3://") and arguments.resume == "auto"
    shipped = load_config(CONF_DIR / Path(arguments.config).name)  # the config the recipe uploads is a shipped one
    config = with_overrides(shipped, arguments.overrides)
    assert config.data.source.startswith("s3://") and config.data.source.endswith(".csv")
    cluster = job["rayClusterSpec"]
    assert cluster["rayVersion"] == pinned("ray") and cluster["authOptions"]["mode"] == "token"
    groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    for container in (container for group in groups for container in group["template"]["spec"]["containers"]):
        assert container["envFrom"] == [{"secretRef": {"name": "lstm-sweep-s3"}}]  # keys from a Secret, never in the file
        assert {item["name"] for item in container["env"]} == {"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"}
        assert container["image"].endswith("/lstm-sweep:cpu")
    assert not re.search(r"AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)\s*:", (DOCKER / "kuberay-s3-rayjob.yaml").read_text())


def run_arguments(command: list[str]):
    """`lstm-sweep run`'s parsed arguments of a command line."""
    assert command[:2] == ["lstm-sweep", "run"]
    return parse_args(command[2:])


def test_documented_module_commands_exist():
    for path in [*(path for path in DOCKER.iterdir() if path.is_file()), ROOT / "README.md"]:
        for module in project_modules(path.read_text()):
            assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), f"{path.name}: {module}"
