"""Submit a sweep to a running Ray cluster as a job, through the Ray Jobs API.

    $ python -m sweep.submit --address http://HOST:8265 --config PATH [KEY=VALUE ...] [--storage DIR] [--name NAME]
                             [--pip | --image IMAGE] [--wait] [--smoke] [--resume [auto]]

The config (and its CSV, if it names a local file) travels in the job's `runtime_env` with this
checkout's `sweep` and `trainables` packages; the job runs `python -m sweep.run` on the cluster.
`--pip` also has Ray install this installation's dependencies at their installed versions for the job;
`--image` runs the job in a container image that holds lstm-sweep (its config and data then come from
object storage or the shipped configs). Token authentication (Ray 2.60's default) uses RAY_AUTH_TOKEN
or ~/.ray/auth_token. `--resume` continues a sweep whose job died with its head node: on a new cluster that
reaches the same `storage`, the job resumes from the trials already recorded there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

import yaml

from sweep.cli.arguments import add_config_arguments, add_resume_argument, config_of, resume_flags
from sweep.config.loading import CONF_DIR, resolve_config_path
from sweep.config.model import SweepConfig
from sweep.config.redaction import has_credentials, redact
from sweep.config.validation import ConfigError
from sweep.data.catalogue import COLLECTIONS, load_catalogue, source_files
from sweep.data.series import BUILT_IN
from sweep.execution.job_environment import code_environment, image_environment
from sweep.planning.plan import build_plan
from sweep.planning.season import with_season

JOB_CONFIG = "sweep.yaml"  # the config's name inside the job's working directory
JOB_DATA = "data"  # the folder of the job's data files inside its working directory
TOKEN_FIX = (
    "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN to the cluster's token "
    "(print it on the head node with `ray get-auth-token`), or put it in ~/.ray/auth_token"
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sweep.submit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", required=True, help="the cluster's dashboard, e.g. http://127.0.0.1:8265")
    add_config_arguments(
        parser, storage_help="override `storage`: a path on the cluster or a URI such as s3://bucket/dir", name_help="override `name`"
    )
    packages = parser.add_mutually_exclusive_group()
    packages.add_argument("--pip", action="store_true", help="have Ray install this machine's versions of the dependencies for the job")
    packages.add_argument("--image", help="run the job in this image (lstm-sweep installed; Ray's image_uri, podman on the nodes)")
    add_resume_argument(parser)
    parser.add_argument("--wait", action="store_true", help="stream the job's logs and exit with its status")
    parser.add_argument("--smoke", action="store_true", help="submit the config's smoke run (see `python -m sweep.run --help`)")
    return parser.parse_args(argv)


def job_config(config: SweepConfig, working_dir: Path, resume: bool | str = False) -> str:
    """Write the job's config (and its data files, under data/) into `working_dir`; a relative storage becomes absolute here."""
    payload = config.model_dump()
    files = source_files(config.data)
    if files:
        (working_dir / JOB_DATA).mkdir()
        for file in files:
            (working_dir / JOB_DATA / file.name).write_bytes(file.read_bytes())
        sources = config.data.source if isinstance(config.data.source, list) else [config.data.source]
        built_in = [source for source in sources if source in BUILT_IN or source in COLLECTIONS]
        copied = [*built_in, *(f"{JOB_DATA}/{file.name}" for file in files)]
        payload["data"]["source"] = copied[0] if len(copied) == 1 and isinstance(config.data.source, str) else copied
    if "://" not in config.storage:
        payload["storage"] = str(Path(config.storage).resolve())
    (working_dir / JOB_CONFIG).write_text(yaml.safe_dump(payload, sort_keys=False))
    return shlex.join(["python", "-m", "sweep.run", "--config", JOB_CONFIG, *resume_flags(resume)])


def image_entrypoint(args: argparse.Namespace, config: SweepConfig) -> str:
    """The command the image runs: the command line as given, since nothing but the image reaches the cluster."""
    local_config = "://" not in args.config and resolve_config_path(args.config).resolve().parent != CONF_DIR.resolve()
    if local_config or source_files(config.data):
        what = f"--config {args.config}" if local_config else f"data.source {config.data.source!r}"
        raise ConfigError(
            f"with --image the job carries no files, and {what} is a file on this machine; put it in object storage "
            "(s3://bucket/...) or submit without --image, which sends it with the job"
        )
    command = ["lstm-sweep", "run", "--config", args.config, *args.overrides]
    for flag, value in (("--storage", args.storage), ("--name", args.name)):
        command += [flag, value] if value is not None else []
    return shlex.join([*command, *(["--smoke"] if args.smoke else []), *resume_flags(args.resume)])


def enable_token_if_available() -> None:
    """Send the token when the user has one, as `ray` itself does for a cluster it starts."""
    has_token = os.environ.get("RAY_AUTH_TOKEN") or (Path.home() / ".ray" / "auth_token").is_file()
    if has_token:
        os.environ.setdefault("RAY_AUTH_MODE", "token")


def connect(address: str):
    from ray.exceptions import AuthenticationError  # Ray's job client: only submit needs it
    from ray.job_submission import JobSubmissionClient

    enable_token_if_available()
    try:
        return JobSubmissionClient(address)
    except AuthenticationError as error:
        raise ConfigError(f"the Ray cluster at {address} refused the request ({_first_line(error)}); {TOKEN_FIX}") from None
    except (ConnectionError, ValueError) as error:
        raise ConfigError(
            f"no Ray cluster answers at {address} ({_first_line(error)}); give the head node's dashboard address, "
            "e.g. http://HOST:8265, of a cluster started with `ray start --head`"
        ) from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def submit_when_ready(client, entrypoint: str, runtime_env: dict, patience: float = 60) -> str:
    """Submit, waiting out a head whose job agent is still starting (just after `ray start`)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return client.submit_job(entrypoint=entrypoint, runtime_env=runtime_env)
        except RuntimeError as error:
            if "No available agent" not in str(error) or time.monotonic() > deadline:
                raise ConfigError(f"the cluster did not accept the job: {_first_line(error)}") from None
            time.sleep(2)


async def stream_logs(client, job_id: str) -> None:
    async for lines in client.tail_job_logs(job_id):
        print(lines, end="", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = config_of(args, smoke=args.smoke)
        if has_credentials(config.storage):
            raise ConfigError(
                f"`storage` ({redact(config.storage)!r}) carries credentials, which the job would upload in its config; "
                "give the cluster the store's own credentials (for S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on its "
                "nodes) and drop them from the URI"
            )
        catalogue = load_catalogue(config.data)
        build_plan(with_season(config, catalogue)[0], catalogue.values)  # refuse bad input here, not on the cluster
        client = connect(args.address)
        if args.image:
            entrypoint = image_entrypoint(args, config)
            job_id = submit_when_ready(client, entrypoint, image_environment(args.image))
        else:
            with tempfile.TemporaryDirectory(prefix="lstm-sweep-job-") as working_dir:
                entrypoint = job_config(config, Path(working_dir), args.resume)
                job_id = submit_when_ready(client, entrypoint, code_environment(Path(working_dir), pip=args.pip))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"submitted job {job_id}: {entrypoint}", flush=True)
    if not args.wait:
        print(f"follow it with: ray job logs --follow {job_id} --address {args.address}")
        return 0
    asyncio.run(stream_logs(client, job_id))
    info = client.get_job_info(job_id)
    print(f"job {job_id} {info.status.value.lower()}", file=sys.stderr)
    if info.driver_exit_code is not None:
        return info.driver_exit_code
    return 0 if info.status.value == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
