"""Reading a config file: where a bare name is found, YAML that refuses duplicate keys, and pydantic's
errors turned into one line that names the key."""

from __future__ import annotations

import difflib
import sysconfig
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import yaml
from pydantic import BaseModel, ValidationError

from sweep.config.grids import AXIS_TAGS, StudyGrid
from sweep.config.model import SweepConfig
from sweep.config.redaction import has_credentials, redact
from sweep.config.validation import ConfigError

CHECKOUT_CONF_DIR = Path(__file__).resolve().parents[2] / "conf"  # a checkout's conf/, beside sweep/
INSTALLED_CONF_DIR = Path(sysconfig.get_path("data")) / "share" / "lstm-sweep" / "conf"  # where `pip install .` puts conf/
CONF_DIR = CHECKOUT_CONF_DIR if CHECKOUT_CONF_DIR.is_dir() else INSTALLED_CONF_DIR  # the shipped configs, wherever they are


def resolve_config_path(path: str | Path) -> Path:
    """A path as given, else a bare file name looked up in `./conf`, then among the shipped configs (with or without `.yaml`)."""
    given = Path(path)
    if given.is_file():
        return given
    if given.parent == Path("."):
        for folder in dict.fromkeys([Path.cwd() / "conf", CONF_DIR]):
            for candidate in (folder / given.name, folder / f"{given.name}.yaml"):
                if candidate.is_file():
                    return candidate
    raise ConfigError(f"config file {str(path)!r} not found (looked in the current folder, ./conf and {CONF_DIR})")


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping, which plain YAML resolves silently (last one wins)."""

    def construct_mapping(self, node, deep=False):
        lines: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in lines:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key `{key}` is given twice (lines {lines[key]} and {key_node.start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
            lines[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)


def read_config_bytes(path: str | Path) -> tuple[str, bytes]:
    """(where it was found, its bytes): a local path or bare name, or an object-store URI (`s3://bucket/sweep.yaml`,
    read with pyarrow as `data.source` is, so a cluster's job can take its config from where its data lives)."""
    if "://" not in str(path):
        resolved = resolve_config_path(path)
        return str(resolved), resolved.read_bytes()
    uri = str(path)
    if has_credentials(uri):
        raise ConfigError(f"config URI {redact(uri)!r} carries credentials; give them in the environment (for S3: AWS_ACCESS_KEY_ID ...)")
    try:
        filesystem, inner = pafs.FileSystem.from_uri(uri)
        with filesystem.open_input_stream(inner) as stream:
            return redact(uri), stream.read()
    except (pa.ArrowException, OSError, ValueError) as error:
        raise ConfigError(f"config file {redact(uri)!r} cannot be read: {str(error).strip().splitlines()[0]}") from None


def load_config(path: str | Path) -> SweepConfig:
    resolved, raw = read_config_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {resolved!r} is not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    try:
        payload = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(getattr(error, "problem", None) or error).strip().splitlines()[0]  # a reader error spans lines
        raise ConfigError(f"config file {resolved!r} is not valid YAML{where}: {problem}") from None
    if payload is None:
        raise ConfigError(f"config file {resolved!r} is empty; expected a mapping with at least `name` and `studies`")
    if not isinstance(payload, dict):
        raise ConfigError(f"config file {resolved!r} must hold a mapping of keys; received {type(payload).__name__}")
    return parse_config(payload, source=resolved)


def parse_config(payload: dict, source: str = "config") -> SweepConfig:
    try:
        return SweepConfig.model_validate(payload)
    except ValidationError as error:
        raise ConfigError(f"{source}: {one_line(describe_validation_error(error))}") from None


def one_line(text: str) -> str:
    """Control characters a config's keys or values may carry (a quoted "a\nb" key) written as escapes: an error is one line."""
    return "".join(character if character.isprintable() else character.encode("unicode_escape").decode() for character in text)


def describe_validation_error(error: ValidationError) -> str:
    """The first problem as "`key` (value) must be ...; received ..." with a hint where one helps."""
    # An unknown key usually explains a missing one (a typo), so report it first.
    problem = sorted(error.errors(), key=lambda item: item["type"] != "extra_forbidden")[0]
    key = ".".join(str(part) for part in problem["loc"] if part not in AXIS_TAGS)
    received = problem.get("input")
    if problem["type"] == "extra_forbidden":
        return f"unknown key `{key}`{_nearest_key_hint(problem['loc'])}"
    if problem["type"] == "missing":
        return f"missing required key `{key}`"
    if problem["type"] == "value_error":  # our own validators' messages say what was received
        message = problem["msg"].removeprefix("Value error, ")
        return message if not key or message.startswith("`") else f"`{key}` {message}"
    return f"`{key}` {_expectation(problem)}; received {received!r}"


def _expectation(problem: dict) -> str:
    context = problem.get("ctx") or {}
    kind = problem["type"]
    if kind == "greater_than":
        return f"must be > {context['gt']:g}"
    if kind == "greater_than_equal":
        return f"must be >= {context['ge']:g}"
    if kind == "less_than":
        return f"must be < {context['lt']:g}"
    if kind == "too_short":
        return f"must have at least {context['min_length']} item(s)"
    if kind == "literal_error":
        return f"must be one of {context['expected']}"
    return f"is invalid: {problem['msg'][0].lower()}{problem['msg'][1:]}"


def _nearest_key_hint(location: tuple) -> str:
    model = _model_holding(location[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(location[-1]), list(model.model_fields), n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"{hint} (valid keys: {', '.join(model.model_fields)})"


def _model_holding(parent: tuple) -> type[BaseModel] | None:
    """The model whose fields live at `parent`; under `studies` the next part is a free study name."""
    model: type[BaseModel] = SweepConfig
    parts = list(parent)
    while parts:
        part = parts.pop(0)
        if model is SweepConfig and part == "studies":
            if not parts:
                return None
            parts.pop(0)
            model = StudyGrid
            continue
        field = model.model_fields.get(str(part))
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model
