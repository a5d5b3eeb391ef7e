"""What `run`, `submit` and `forecast` share: the config arguments, and the config they resolve to."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from sweep.config.loading import load_config, parse_config
from sweep.config.model import ConfigDeprecationWarning, SweepConfig
from sweep.config.overrides import EXAMPLE, with_overrides
from sweep.config.smoke import smoke_config

CONFIG_HELP = "YAML sweep config: a path, or a file name in conf/"


def add_config_arguments(parser: argparse.ArgumentParser, storage_help: str, name_help: str, config_help: str = CONFIG_HELP) -> None:
    """`--config`, the KEY=VALUE overrides, `--storage` and `--name`, as every subcommand takes them (`--config` required
    unless a subcommand explains it otherwise)."""
    parser.add_argument("--config", required=config_help == CONFIG_HELP, help=config_help)
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help=f"override a config key, dotted into sections ({EXAMPLE})")
    parser.add_argument("--storage", help=storage_help)
    parser.add_argument("--name", help=name_help)


def add_resume_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resume", nargs="?", const=True, default=False, choices=["auto"],
        help="continue an interrupted sweep of the same name; `--resume auto`: or start it afresh if it never started (one "
        "command a retried job can repeat)",
    )  # fmt: skip


def resume_flags(resume: bool | str) -> list[str]:
    """`--resume` as given, for a command run elsewhere (a job's entrypoint)."""
    return ["--resume", *([resume] if isinstance(resume, str) else [])] if resume else []


def resolve_config(
    path: str, overrides: Sequence[str] = (), storage: str | None = None, name: str | None = None, smoke: bool = False
) -> SweepConfig:
    """The config file with the command line's overrides; renamed keys are printed as warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigDeprecationWarning)
        config = load_config(path)
    for warning in dict.fromkeys(str(item.message) for item in caught if item.category is ConfigDeprecationWarning):
        print(f"warning: {warning}", file=sys.stderr)
    config = with_overrides(config, list(overrides))
    flags = {key: value for key, value in (("storage", storage), ("name", name)) if value is not None}  # as given, not YAML
    if flags:
        config = parse_config(config.model_dump() | flags, source="command line")
    return smoke_config(config) if smoke else config


def config_of(args: argparse.Namespace, smoke: bool = False) -> SweepConfig:
    """`resolve_config` of parsed `add_config_arguments`."""
    return resolve_config(args.config, args.overrides, args.storage, args.name, smoke)
