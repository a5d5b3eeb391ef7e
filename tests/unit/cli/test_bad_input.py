"""Each bad input: exit status 2, one `error: ...` line naming the key or file, nothing written."""

import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from sweep.cli.run import main

VALID_STUDIES = "studies: {a: {epochs: [1], batch_size: [4], neurons: [1]}}\n"
VALID_GRID = {"epochs": [1], "batch_size": [4], "neurons": [1]}


def run_cli(tmp_path, capsys, config_text: str | None, *extra: str):
    config = tmp_path / "sweep.yaml"
    if config_text is not None:
        config.write_text(textwrap.dedent(config_text))
    status = main(["--config", str(config), "--storage", str(tmp_path / "out"), *extra])
    captured = capsys.readouterr()
    assert not (tmp_path / "out").exists(), "nothing may be written for bad input"
    return status, captured.err.strip(), str(config)


@pytest.mark.parametrize(
    "config_text, message",
    [
        (
            "name: x\nepoch: 3\n" + VALID_STUDIES,
            "{config}: unknown key `epoch` (valid keys: name, storage, data, engine, repeats, repeats_per_trial, series_per_trial, seed, "
            "studies, resources, max_failures, diagnostics, scheduler, early_stopping, evaluation, search, tracking)",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neuron: [1]}}\n",
            "{config}: unknown key `studies.a.neuron`; did you mean `neurons`? (valid keys: epochs, batch_size, neurons, layers, lags, "
            "timesteps, dropout, recurrent_dropout, l1, l2, optimizer, learning_rate, loss, strategy, training, deseasonalise, "
            "normalise, transform)",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], dropout: [0.2, 1.0]}}\n",
            "{config}: `studies.a.dropout.1` must be < 1; received 1.0",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], optimizer: [adagrad]}}\n",
            "{config}: `studies.a.optimizer.0` must be one of 'adam', 'sgd' or 'rmsprop'; received 'adagrad'",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], loss: [mape]}}\n",
            "{config}: `studies.a.loss.0` must be one of 'mse', 'mae' or 'huber'; received 'mape'",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], learning_rate: [0]}}\n",
            "{config}: `studies.a.learning_rate.0` must be > 0; received 0",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], lags: [0]}}\n",
            "{config}: `studies.a.lags.0` must be > 0; received 0",
        ),
        ("name: x\ndata: {difference_lag: 0}\n" + VALID_STUDIES, "{config}: `data.difference_lag` must be > 0; received 0"),
        (
            "name: x\nevaluation: {horizon: 18}\n" + VALID_STUDIES,
            "{config}: `evaluation.horizon` (18) is longer than `data.test_size` (12): every step must be scored inside an origin's "
            "test window; set data.test_size=18 or more",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], strategy: [recursive, direct]}}\n",
            "{config}: `studies.a.strategy` lists direct, which trains one output per forecast step, but `evaluation.horizon` is 1: "
            "set evaluation.horizon to the steps you forecast (e.g. 18 for monthly data)",
        ),
        (
            "name: x\nevaluation: {metric: crps}\n" + VALID_STUDIES,
            "{config}: `evaluation.metric` crps scores each repeat's prediction intervals, and `evaluation.levels` lists none: "
            "add levels: [80, 95]",
        ),
        (
            "name: x\nevaluation: {metric: msis, levels: [80, 90]}\n" + VALID_STUDIES,
            "{config}: `evaluation.metric` msis scores the 95% interval (M4's alpha 0.05), and `evaluation.levels` ([80.0, 90.0]) "
            "lacks it: add 95",
        ),
        (
            "name: x\ndata: {test_size: 10}\nevaluation: {origins: 2, metric: msis, levels: [80, 95]}\n" + VALID_STUDIES,
            "`evaluation.metric: msis` scores each origin's forecasts that have an interval at every level, and the "
            "earliest origin knows at most 9 errors (its own, test_size - 1 at step 1) where 95% needs 19: set data.test_size "
            "to 20 or more, or lower the highest level",
        ),
        (
            "name: x\ndata: {lag: 1, difference_lag: 1}\n" + VALID_STUDIES,
            "{config}: `data.lag` is the old name of `data.difference_lag`; give only `difference_lag`",
        ),
        (
            "name: ..\n" + VALID_STUDIES,
            "{config}: `name` must be a file name of letters, digits, '_', '-' and '.', starting with a letter or digit; received '..'",
        ),
        ("name: x\nstudies: {a: {epochs: [0], batch_size: [4], neurons: [1]}}\n", "{config}: `studies.a.epochs.0` must be > 0; received 0"),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [-4], neurons: [1]}}\n",
            "{config}: `studies.a.batch_size.0` must be > 0; received -4",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [0]}}\n",
            "{config}: `studies.a.neurons.0` must be > 0; received 0",
        ),
        ("name: x\nrepeats: 0\n" + VALID_STUDIES, "{config}: `repeats` must be > 0; received 0"),
        (
            "name: x\nrepeats: many\n" + VALID_STUDIES,
            "{config}: `repeats` is invalid: input should be a valid integer, unable to parse string as an integer; received 'many'",
        ),
        ("name: x\nstudies: {}\n", "{config}: `studies` must have at least 1 item(s); received {}"),
        (
            "name: x\nstudies: {a: {epochs: [], batch_size: [4], neurons: [1]}}\n",
            "{config}: `studies.a.epochs` must have at least 1 item(s); received []",
        ),
        (VALID_STUDIES, "{config}: missing required key `name`"),
        ("name: x\nengine: torch\n" + VALID_STUDIES, "{config}: `engine` must be one of 'compiled' or 'keras'; received 'torch'"),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4, 32], neurons: [1]}}\n",
            "`studies.a.batch_size` (32) is larger than the 20 training rows",
        ),
        (
            "name: x\ndata: {difference_lag: 12}\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], lags: [6], timesteps: [4]}}\n",
            "`studies.a` asks for a window of 9 past differences (lags + timesteps - 1), too long for the series: it has 36 "
            "observations and needs at least 37 (test_size 12 + difference_lag 12 + window 9 + 4 training rows); "
            "shorten `lags`/`timesteps`",
        ),
        (
            "name: x\ndata: {test_size: 20, difference_lag: 12}\n" + VALID_STUDIES,
            "`data.test_size` (20) and `data.difference_lag` (12) leave too few training rows: the series has 36 observations "
            "and needs at least 37 (test_size 20 + difference_lag 12 + window 1 + 4 training rows)",
        ),
        (
            "name: x\nevaluation: {metric: mase, origins: 2}\n" + VALID_STUDIES,
            "`evaluation.metric: mase` divides by the seasonal naive's in-sample error on each origin's training window, and the "
            "earliest origin's holds 12 observations, not more than the season (12); it needs at least 13: use fewer origins or a "
            "smaller `evaluation.step`, a smaller `data.test_size`, or `evaluation.metric: smape`",
        ),
        (
            "name: x\nearly_stopping: {validation: 6, patience: 5}\nstudies: {a: {epochs: [3, 10], batch_size: [4], neurons: [1]}}\n",
            "{config}: `early_stopping.patience` (5) is more than the fewest epochs a study trains (3): it could never stop a fit; "
            "set it to 3 or fewer",
        ),
        (
            "name: x\nearly_stopping: {validation: 20, patience: 1}\n" + VALID_STUDIES,
            "`early_stopping.validation` (20) leaves 2 training rows at the earliest origin (of 24 training observations), fewer "
            "than a batch of 4: hold out fewer observations",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], transform: [none, log], normalise: [window]}}\n",
            "{config}: `studies.a.transform` lists log and `normalise` lists window, which divides each row by its last level: "
            "after a log that level is 0 or below for observations of 1 or less; give a study one of them",
        ),
        (
            "name: x\nevaluation: {origins: 2, holdout: 2}\n" + VALID_STUDIES,
            "{config}: `evaluation.holdout` (2) keeps the last 2 origins out of every decision, and `evaluation.origins` is 2: no "
            "origin is left to choose on; set origins to 3 or more",
        ),
        (
            "name: x\nevaluation: {origins: 3, step: 6, holdout: 1}\n" + VALID_STUDIES,
            "{config}: `evaluation.holdout` needs origins whose test windows do not overlap, and `evaluation.step` (6) is shorter "
            "than `data.test_size` (12): the origins chosen on would score held-out observations; set step to 12 or more",
        ),
        (
            "name: x\nevaluation: {levels: [80], intervals: [model]}\n" + VALID_STUDIES,
            "{config}: `evaluation.intervals` must be [conformal] or [conformal, model] (conformal intervals are the LSTM's; model "
            "adds the baselines' own beside theirs); received ['model']",
        ),
        (
            "name: x\nevaluation: {levels: [80], intervals: [conformal, model]}\n" + VALID_STUDIES,
            "{config}: `evaluation.intervals` lists model (each baseline's own interval), and `evaluation.baselines` lists none: "
            "add baselines: [naive, seasonal_naive, ets, arima]",
        ),
        (
            "name: x\nevaluation: {baselines: [naive], intervals: [conformal, model]}\n" + VALID_STUDIES,
            "{config}: `evaluation.intervals` chooses how intervals are made, and `evaluation.levels` lists none: add levels: [80, 95]",
        ),
        (
            "name: x\nevaluation: {levels: [80, 100]}\n" + VALID_STUDIES,
            "{config}: `evaluation.levels` must lie strictly between 0 and 100 (percent, e.g. [80, 95]); received 100.0",
        ),
        (
            "name: x\nevaluation: {levels: [95], metric: msis}\n" + VALID_STUDIES,
            "`evaluation.metric: msis` scores each origin's forecasts that have an interval at every level, and the earliest "
            "origin knows at most 11 errors (its own, test_size - 1 at step 1) where 95% needs 19: set data.test_size to 20 or "
            "more, or lower the highest level",
        ),
        (
            "name: x\ndata: {source: no-such.csv}\n" + VALID_STUDIES,
            "`data.source` ('no-such.csv') is neither a built-in data set (shampoo, sunspots, nile, co2, us_gdp), a built-in collection "
            "(classic_monthly), an existing file or folder, nor a pattern matching files",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1]}\n  bad: [\n",
            "config file '{config}' is not valid YAML at line 3, column 3: expected ',' or '}', but got '<scalar>'",
        ),
        (
            "name: x\nscheduler: {type: asha}\n" + VALID_STUDIES,
            "{config}: `scheduler` needs `diagnostics.every` > 0: early stopping decides on the reports made during training",
        ),
        ("name: x\ndiagnostics: {every: -1}\n" + VALID_STUDIES, "{config}: `diagnostics.every` must be >= 0; received -1"),
        ("", "config file '{config}' is empty; expected a mapping with at least `name` and `studies`"),
        ("- a\n- b\n", "config file '{config}' must hold a mapping of keys; received list"),
        ("name: x\nseed: -1\n" + VALID_STUDIES, "{config}: `seed` must be >= 0; received -1"),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], learning_rate: [.inf]}}\n",
            "{config}: `studies.a.learning_rate.0` is invalid: input should be a finite number; received inf",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], l2: [.nan]}}\n",
            "{config}: `studies.a.l2.0` is invalid: input should be a finite number; received nan",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], l1: [.inf]}}\n",
            "{config}: `studies.a.l1.0` is invalid: input should be a finite number; received inf",
        ),
        (
            "name: x\nresources: {gpus_per_trial: 1.5}\n" + VALID_STUDIES,
            "{config}: `resources.gpus_per_trial` must be a whole number above 1 (a fraction shares one GPU); received 1.5",
        ),
        (
            "name: x\nresources: {cpus_per_trial: 0.00001}\n" + VALID_STUDIES,
            "{config}: `resources.cpus_per_trial` must be >= 0.0001; received 1e-05",
        ),
        (
            "name: x\nstudies: {../../x: {epochs: [1], batch_size: [4], neurons: [1]}}\n",
            "{config}: `studies` name must be a file name of letters, digits, '_', '-' and '.', starting with a letter or digit; "
            "received '../../x'",
        ),
        (
            "name: my sweep\n" + VALID_STUDIES,
            "{config}: `name` must be a file name of letters, digits, '_', '-' and '.', starting with a letter or digit; "
            "received 'my sweep'",
        ),
        (
            "name: x\n" + VALID_STUDIES + "name: y\n",
            "config file '{config}' is not valid YAML at line 3, column 1: key `name` is given twice (lines 1 and 3); keep one",
        ),
        (
            "name: x\nstudies: {a: {epochs: [1], batch_size: [4], neurons: [1], epochs: [2]}}\n",
            "config file '{config}' is not valid YAML at line 2, column 59: key `epochs` is given twice (lines 2 and 2); keep one",
        ),
        (
            "name: x\nevaluation: {origins: 3}\n" + VALID_STUDIES,
            "`evaluation.origins` (3) `step` 12 apart leave the earliest origin 12 of the series' 36 observations; it needs at "
            "least 18: use fewer origins or a smaller `evaluation.step`",
        ),
        ("name: x\nevaluation: {origins: 0}\n" + VALID_STUDIES, "{config}: `evaluation.origins` must be > 0; received 0"),
        (
            "name: x\nevaluation: {window: rolling}\n" + VALID_STUDIES,
            "{config}: `evaluation.window` must be one of 'expanding' or 'sliding'; received 'rolling'",
        ),
        (
            "name: x\nevaluation: {metric: mape}\n" + VALID_STUDIES,
            "{config}: `evaluation.metric` must be one of 'rmse', 'mae', 'smape', 'mase', 'msis' or 'crps'; received 'mape'",
        ),
        (
            "name: x\nevaluation: {baselines: [ets, prophet]}\n" + VALID_STUDIES,
            "{config}: `evaluation.baselines.1` must be one of 'naive', 'seasonal_naive', 'ets' or 'arima'; received 'prophet'",
        ),
        ("name: x\nevaluation: {baselines: [ets, ets]}\n" + VALID_STUDIES, "{config}: `evaluation.baselines` lists ets more than once"),
        (
            "name: x\nevaluation: {origins: 2, step: 6}\ndiagnostics: {every: 1}\n" + VALID_STUDIES,
            "{config}: `diagnostics.every` (1) needs `evaluation.origins: 1`: the diagnostic curves follow one training run per "
            "repeat, and with 2 origins there are 2",
        ),
    ],
)
def test_bad_config(tmp_path, capsys, config_text, message):
    status, error, config = run_cli(tmp_path, capsys, config_text)
    assert status == 2
    assert error == "error: " + message.replace("{config}", config)


def test_missing_config_file(tmp_path, capsys):
    status, error, config = run_cli(tmp_path, capsys, None)
    assert status == 2
    assert error.startswith(f"error: config file '{config}' not found (looked in the current folder, ./conf and ")


@pytest.mark.parametrize(
    "csv_text, problem",
    [
        ("month,sales\n1,2.0\n2,x\n", ": column 'sales' must hold finite numbers; line 3 holds 'x'"),
        ("month,sales\n1,2.0\n2,\n3,4\n", ": column 'sales' must hold finite numbers; line 3 holds an empty value"),
        ("month,sales\n1,2.0\n2,nan\n", ": column 'sales' must hold finite numbers; line 3 holds 'nan'"),
        ("month,sales\n1,2.0\n2,inf\n", ": column 'sales' must hold finite numbers; line 3 holds 'inf'"),
        ("month,sales\n1,a\n2,b\n", " has no numeric column: its last column 'sales' must hold the values"),
        ("month,sales\n", " has no rows; expected a header and one observation per line"),
    ],
)
def test_bad_csv(tmp_path, capsys, csv_text, problem):
    data = tmp_path / "series.csv"
    data.write_text(csv_text)
    status, error, _ = run_cli(tmp_path, capsys, f"name: x\ndata: {{source: {data}}}\n" + VALID_STUDIES)
    assert status == 2
    assert error == f"error: data file '{data}'{problem}"


def test_constant_series(tmp_path, capsys):
    data = tmp_path / "series.csv"
    data.write_text("month,sales\n" + "".join(f"{i},{5 * i}\n" for i in range(30)))
    status, error, _ = run_cli(tmp_path, capsys, f"name: x\ndata: {{source: {data}}}\n" + VALID_STUDIES)
    assert status == 2
    assert error == f"error: `data.source` ('{data}'): the training differences are constant; there is nothing to scale"


def test_test_size_must_be_positive(tmp_path, capsys):
    status, error, config = run_cli(tmp_path, capsys, "name: x\ndata: {test_size: 0}\n" + VALID_STUDIES)
    assert status == 2
    assert error == f"error: {config}: `data.test_size` must be > 0; received 0"


def test_test_size_leaving_too_few_training_rows(tmp_path, capsys):
    status, error, _ = run_cli(tmp_path, capsys, "name: x\ndata: {test_size: 31}\n" + VALID_STUDIES)
    assert status == 2
    assert error == (
        "error: `data.test_size` (31) leaves too few training rows: the series has 36 observations and needs at least 37 "
        "(test_size 31 + difference_lag 1 + window 1 + 4 training rows)"
    )


def test_storage_that_is_not_writable(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    config = tmp_path / "sweep.yaml"
    config.write_text("name: x\n" + VALID_STUDIES)
    if os.access(locked, os.W_OK):  # root ignores permission bits: make the storage a file instead
        locked.rmdir()
        locked.write_text("")
    assert main(["--config", str(config), "--storage", str(locked)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: `storage` ('{locked}') cannot hold '{locked / 'x'}': ")


def test_short_series(tmp_path, capsys):
    data = tmp_path / "series.csv"
    data.write_text("month,sales\n" + "".join(f"{i},{i * i}\n" for i in range(10)))
    status, error, _ = run_cli(tmp_path, capsys, f"name: x\ndata: {{source: {data}}}\n" + VALID_STUDIES)
    assert status == 2
    assert error == (
        "error: `data.test_size` (12) leaves too few training rows: the series has 10 observations and needs at least 18 "
        "(test_size 12 + difference_lag 1 + window 1 + 4 training rows)"
    )


def test_existing_results_folder_is_not_overwritten(tmp_path, capsys):
    (tmp_path / "out" / "x").mkdir(parents=True)
    (tmp_path / "out" / "x" / "config.yaml").write_text("name: x\nevaluation: {season: 12}\n" + VALID_STUDIES)  # as saved
    config = tmp_path / "sweep.yaml"
    config.write_text("name: x\n" + VALID_STUDIES)
    assert main(["--config", str(config), "--storage", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: results folder '{tmp_path / 'out' / 'x'}' already exists; resume it with "
        f"`python -m sweep.run --config {config} --storage {tmp_path / 'out'} --name x --resume` or choose another --name"
    )
    # the same name with another config (a forgotten --name after an override): the keys that differ, no resume hint
    assert main(["--config", str(config), "repeats=3", "--storage", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: results folder '{tmp_path / 'out' / 'x'}' holds a sweep of another config (`repeats` (30 -> 3)); give this one "
        "its own --name"
    )


def test_bad_input_prints_one_line_and_no_traceback(tmp_path):
    config = tmp_path / "sweep.yaml"
    config.write_text("name: x\nrepeats: 0\n" + VALID_STUDIES)
    completed = subprocess.run([sys.executable, "-m", "sweep.run", "--config", str(config)], capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"error: {config}: `repeats` must be > 0; received 0"]


def test_the_old_name_of_difference_lag_still_works_with_a_warning(tmp_path, capsys):
    from sweep.cli.arguments import resolve_config

    config = tmp_path / "old.yaml"
    config.write_text("name: x\ndata: {lag: 12, test_size: 6}\n" + VALID_STUDIES)
    resolved = resolve_config(str(config))
    assert resolved.data.difference_lag == 12
    assert capsys.readouterr().err.strip() == ("warning: `data.lag` is now `data.difference_lag`; the old name will stop working")


def test_a_config_that_is_not_utf8_is_refused(tmp_path, capsys):
    config = tmp_path / "latin1.yaml"
    config.write_bytes(("name: café\n" + VALID_STUDIES).encode("latin-1"))
    assert main(["--config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"error: config file '{config}' is not UTF-8 text (byte 9); save it as UTF-8"


@pytest.mark.parametrize(
    "storage, message",
    [
        ("foo://bucket/x", "`storage` ('foo://bucket/x') is neither a folder nor a filesystem URI pyarrow knows"),
        ("foo://KEY:SECRET@bucket/x", "`storage` ('foo://***@bucket/x') is neither a folder nor a filesystem URI pyarrow knows"),
        ("{tmp}/a-file/results", "`storage` ('{tmp}/a-file/results') cannot hold '{tmp}/a-file/results/x': '{tmp}/a-file' is a file"),
        ("{tmp}/" + "n" * 300, "`storage` ('{tmp}/" + "n" * 300 + "') cannot hold '{tmp}/" + "n" * 300 + "/x': "),
    ],
    ids=["unknown-scheme", "credentials-redacted", "file-in-the-way", "name-too-long"],
)
def test_storage_that_cannot_hold_the_sweep_is_refused_before_ray_starts(tmp_path, capsys, storage, message):
    (tmp_path / "a-file").write_text("not a folder")
    config = tmp_path / "sweep.yaml"
    config.write_text("name: x\n" + VALID_STUDIES)
    storage = storage.replace("{tmp}", str(tmp_path))
    assert main(["--config", str(config), "--storage", storage]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: " + message.replace("{tmp}", str(tmp_path))), error
    assert "SECRET" not in error
    assert not list(tmp_path.glob(".lstm-sweep-probe-*")), "the probe cleans up after itself"


def test_results_without_a_manifest_are_refused_as_incomplete(tmp_path, capsys):
    """A sweep whose results' writing stopped (a full disk) has trials.parquet but no manifest.json: forecast refuses it."""
    from sweep.cli.forecast import main as forecast_main
    from sweep.config.loading import parse_config
    from sweep.storage.folder import ResultsFolder

    study = {"epochs": [1], "batch_size": [1], "neurons": [1]}
    config = parse_config({"name": "half", "storage": str(tmp_path), "studies": {"s": study}}, source="test")
    folder = ResultsFolder(str(tmp_path), "half")
    folder.write_bytes("config.yaml", yaml.safe_dump(config.model_dump()).encode())
    folder.write_bytes("trials.parquet", b"PAR1")
    assert forecast_main(["--name", "half", "--storage", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: the results in '{tmp_path / 'half'}' are incomplete (manifest.json is missing: writing them stopped); "
        "complete them by running the sweep again with --resume"
    )
