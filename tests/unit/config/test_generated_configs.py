"""Generated hostile configs (Hypothesis): random keys, types, ranges and nesting, as a mapping or as broken YAML text.
Each either loads as a config holding what was given, or ends in one `ConfigError` line that names the config; never
another exception. The suite runs a fixed, seeded number of examples; `HYPOTHESIS_PROFILE=long` runs many more."""

import copy
import math

import yaml
from hypothesis import given
from hypothesis import strategies as st

from sweep.config.loading import load_config, parse_config
from sweep.config.model import RENAMED_KEYS, SweepConfig
from sweep.config.validation import ConfigError

VALID = {"name": "x", "studies": {"s": {"epochs": [2], "batch_size": [4], "neurons": [1]}}}
SECTIONS = {
    (): ["name", "storage", "engine", "repeats", "repeats_per_trial", "series_per_trial", "seed", "max_failures", "scheduler",
         "data", "evaluation", "search", "resources", "diagnostics", "studies", "tracking"],
    ("data",): ["source", "series_column", "short_series", "first_series", "value_column", "date_column", "date_format",
                "test_size", "difference_lag", "fill"],
    ("evaluation",): ["origins", "step", "window", "metric", "season", "baselines", "horizon", "levels"],
    ("search",): ["type", "initial_repeats", "round_repeats", "max_fits", "futility", "num_samples", "objective", "confirm"],
    ("resources",): ["cpus_per_trial", "gpus_per_trial"],
    ("diagnostics",): ["every"],
    ("studies", "s"): ["epochs", "batch_size", "neurons", "layers", "lags", "timesteps", "dropout", "recurrent_dropout", "l1",
                       "l2", "optimizer", "learning_rate", "loss", "strategy", "training", "deseasonalise", "normalise"],
}  # fmt: skip
PATHS = [(*section, key) for section, keys in SECTIONS.items() for key in keys]
SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**15), 10**15) | st.floats() | st.text(max_size=12)
    | st.sampled_from(["local", "global", "stl", "window", "direct", "race", "optuna", "mase", "crps", "keras", "skip", "12"])
)  # fmt: skip
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=8)  # fmt: skip
RENAMED_PATHS = {("data", old): ("data", new) for old, new in RENAMED_KEYS["data"].items()}
KEYS = st.sampled_from(PATHS) | st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3).map(tuple)


def with_value(payload: dict, path: tuple, value) -> dict:
    """The payload with `value` at `path`, replacing whatever stood in the way of it."""
    node = payload
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return payload


def holds(config: SweepConfig, path: tuple, value) -> bool:
    """Whether the loaded config kept what was given at `path` (a renamed key under its new name): the same scalar, the
    number a text spells, None as None, a list item by item (levels in the order they are sorted to), a mapping key by key."""
    loaded = config.model_dump()
    for key in RENAMED_PATHS.get(path, path):
        if not isinstance(loaded, dict) or key not in loaded:
            return False  # a key the model does not have was accepted
        loaded = loaded[key]
    if path == ("evaluation", "levels") and isinstance(value, list):
        value = sorted(value)
    return kept(loaded, value)


def kept(loaded, value) -> bool:
    if isinstance(value, dict):
        return isinstance(loaded, dict) and all(key in loaded and kept(loaded[key], item) for key, item in value.items())
    if isinstance(value, list):
        return isinstance(loaded, list | tuple) and len(loaded) == len(value) and all(map(kept, loaded, value))
    if value is None or isinstance(loaded, str):
        return loaded == value
    if isinstance(value, str):  # a number's text read as the number: "12" -> 12
        try:
            return float(value) == loaded
        except ValueError:
            return False
    if isinstance(value, float) and math.isnan(value):
        return isinstance(loaded, float) and math.isnan(loaded)
    return isinstance(loaded, bool) == isinstance(value, bool) and (loaded == value or math.isclose(loaded, value))


def test_the_valid_base_loads():
    assert parse_config(copy.deepcopy(VALID)).studies["s"].neurons == [1]


@given(st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=4))
def test_a_generated_config_loads_as_given_or_is_refused_in_one_line(changes):
    payload = copy.deepcopy(VALID)
    for path, value in changes:
        with_value(payload, path, value)
    try:
        config = parse_config(payload)
    except ConfigError as error:
        assert str(error).startswith("config: ") and "\n" not in str(error)
        return
    for path, value in changes[-1:]:  # the last change is never overwritten by a later one
        assert holds(config, path, value), f"{path} = {value!r} loaded as {config.model_dump()}"


@given(st.integers(0, 200), st.text(min_size=1, max_size=6), st.booleans())
def test_broken_yaml_text_is_refused_in_one_line(tmp_path_factory, position, inserted, as_bytes):
    text = yaml.safe_dump(VALID)
    position = min(position, len(text))
    broken = text[:position] + inserted + text[position:]
    path = tmp_path_factory.mktemp("configs") / "sweep.yaml"
    path.write_bytes(broken.encode("utf-8") if not as_bytes else broken.encode("utf-8") + b"\xff\xfe")
    try:
        load_config(path)
    except ConfigError as error:
        assert "\n" not in str(error) and str(path) in str(error) or str(error).startswith(f"{path}: ")
