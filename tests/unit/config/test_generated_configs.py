"""Generated hostile configs (Hypothesis): random keys, types, ranges and nesting, as a mapping or as broken YAML text.
Each either loads as a config holding what was given, or ends in one `ConfigError` line that names the config; never
another exception. The suite runs a fixed, seeded number of examples; `HYPOTHESIS_PROFILE=long` runs many more."""

import copy
import math

import yaml
from hypothesis import given
from hypothesis import strategies as st

from sweep.config.loading import load_config, parse_config
from sweep.config.model import SweepConfig
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
    """Whether the loaded config kept a given scalar as given (a number as that number, a string as that string)."""
    loaded = config.model_dump()
    for key in path:
        if not isinstance(loaded, dict) or key not in loaded:
            return True  # an alias or a section rebuilt by its validator: not a plain field to compare
        loaded = loaded[key]
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return True
    if isinstance(value, float) and isinstance(loaded, float):
        return math.isclose(loaded, value)
    if isinstance(value, int) and isinstance(loaded, int | float):
        return loaded == value
    return not isinstance(value, str) or str(loaded) == value or isinstance(loaded, list)


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
