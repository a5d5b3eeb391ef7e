"""The README's Quickstart promises exactly two commands; CI runs the second one verbatim."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"^## Quickstart\n(.*?)^## ", readme, flags=re.S | re.M).group(1)
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_quickstart_has_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2 and all("\n" not in command for command in commands)
    assert commands[0].endswith("python -m sweep.run --config grid.yaml")
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    assert quickstart_commands()[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_override_example_resolves_to_the_config_it_describes():
    """The README's KEY=VALUE example, as a user would paste it (less the command name)."""
    import shlex

    from sweep.cli.arguments import resolve_config
    from sweep.cli.run import parse_args

    readme = (ROOT / "README.md").read_text()
    example = next(line for line in readme.splitlines() if line.startswith("lstm-sweep run --config grid.yaml repeats="))
    args = parse_args(shlex.split(example)[2:])
    config = resolve_config(args.config, args.overrides, args.storage, args.name)
    assert config.repeats == 3 and config.studies["epochs"].epochs == [250, 500] and config.scheduler is None
    assert config.name == "grid-short"


def test_an_override_of_a_study_the_config_lacks_names_its_studies():
    from sweep.cli.arguments import resolve_config
    from sweep.config.validation import ConfigError

    with pytest.raises(
        ConfigError, match=r"names study 'reference', which the config does not have \(its studies: epochs, batch, neurons\)"
    ):
        resolve_config("grid.yaml", ["studies.reference.epochs=[500,1000]"])


REPOSITORY_PATH = re.compile(r"`((?:sweep|trainables|conf|tests|benchmarks|docker|\.ci)/[\w./-]*[\w/])")
MODULE_FILE = re.compile(r"`([a-z_]+\.py)`")
RESULT_ROW = re.compile(r"^\| `([\w.-]+\.(?:parquet|csv|png|json|html|yaml))`", re.M)


def test_every_path_and_file_name_the_readme_mentions_exists():
    """A file moved or renamed leaves no stale name behind: every repository path, every module named by itself, and
    every result file of the "Where results go" table (a name the storage layout or a figure writer spells)."""
    readme = (ROOT / "README.md").read_text()
    ignored = set((ROOT / ".gitignore").read_text().splitlines())  # made by the user (docker/.env), never committed
    missing = [path for path in set(REPOSITORY_PATH.findall(readme)) if not (ROOT / path).exists() and path not in ignored]
    modules = {path.name for folder in ("sweep", "trainables", "benchmarks", "tests") for path in (ROOT / folder).rglob("*.py")}
    missing += [name for name in set(MODULE_FILE.findall(readme)) if name not in modules]
    section = re.search(r"^### Where results go\n(.*?)^#", readme, flags=re.S | re.M).group(1)
    written = (ROOT / "sweep" / "storage" / "layout.py").read_text() + (ROOT / "sweep" / "reports" / "files.py").read_text()
    missing += [name for name in RESULT_ROW.findall(section) if f'"{name}"' not in written]
    assert not missing, f"the README names what the repository lacks: {sorted(missing)}"
