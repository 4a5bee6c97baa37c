"""The command line refuses bad input at once and stops cleanly.

Refusals run the real entry point in a subprocess under ``python -X importtime``,
whose import records show that neither TensorFlow nor scikit-learn was loaded.
"""

import html
import inspect
import json
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from fmnist_estimators import _cli_checks, _cli_parser
from fmnist_estimators.datasets import _files, fetch_fashion_mnist
from fmnist_estimators.model_selection import holdout_split
from fmnist_estimators.study import PRESETS, StudyConfig, _data, _output, _tune, run_study

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
needs_system_copy = pytest.mark.skipif(
    not all((SYSTEM_DIR / name).is_file() for name in _files._FILES),
    reason=f"the Fashion-MNIST files are not in {SYSTEM_DIR} (apt-get install "
    "dataset-fashion-mnist)",
)
HEAVY = ("tensorflow", "keras", "jax", "torch", "sklearn", "matplotlib", "pandas")
SYSTEM_COPY = (
    f"Debian's copy in {SYSTEM_DIR}; size and SHA-256 of each of the 4 files checked"
)


def _cli_run(args, cwd):
    """Run ``python -m fmnist_estimators`` with import timing; (status, message lines, modules)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "fmnist_estimators", *args],
        cwd=cwd, capture_output=True, text=True, timeout=60,
    )
    modules, message = [], []
    for line in result.stderr.splitlines():
        if line.startswith("import time:"):
            modules.append(line.rsplit("|", 1)[-1].strip())
        else:
            message.append(line)
    return result.returncode, message, result.stdout, modules


REFUSALS = [
    ("study --n-train 90", "--n-train must be between 91 and 60,000, got 90: a stratified "
     "10% validation hold-out needs 91 images"),
    ("study --n-train 60001", "--n-train must be between 91 and 60,000, got 60001"),
    ("study --n-test 9", "--n-test must be between 10 and 10,000, got 9: a stratified subset "
     "needs an image of each of the 10 classes"),
    ("study --n-test 10001", "--n-test must be between 10 and 10,000, got 10001"),
    ("study --cv-folds 1", "--cv-folds must be 0 (no cross-validation) or at least 2, got 1"),
    ("study --n-train 200 --cv-folds 21", "--cv-folds must be 0 (no cross-validation) or "
     "between 2 and 20, got 21: --n-train 200 has 20 images of each class"),
    ("study --data-home afile", "--data-home must be a folder (it may not exist yet), but "
     "'afile' is a file"),
    ("study --data-home afile/sub", "but 'afile' is a file"),
    ("study --output existing", "--output 'existing' already exists; choose another folder, "
     "or pass --overwrite to replace it once the new study has finished"),
    ("study --output afile --overwrite", "--output must be a folder to create (or, with "
     "--overwrite, to replace), but 'afile' is a file"),
    ("study --epochs 0", "argument --epochs: expected a positive integer, got 0"),
    ("tune --n-train 90", "--n-train must be between 91 and 60,000, got 90"),
    ("tune --n-train 60001", "--n-train must be between 91 and 60,000, got 60001"),
    ("tune --data-home afile", "'afile' is a file"),
    ("tune --output existing", "--output 'existing' already exists; choose another folder, "
     "or pass --overwrite to replace it once the new search has finished"),
    ("tune --output afile --overwrite", "but 'afile' is a file"),
]


@pytest.mark.parametrize("args, expected", REFUSALS, ids=[a for a, _ in REFUSALS])
def test_bad_input_is_refused_in_one_line_before_heavy_imports(args, expected, tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "keep.txt").write_text("old results")

    status, message, stdout, modules = _cli_run(shlex.split(args), tmp_path)

    assert status == 2
    command = args.split()[0]
    assert len(message) == 1, message
    assert message[0].startswith(f"fmnist-estimators {command}: error: ")
    assert expected in message[0]
    assert stdout == ""
    assert "fmnist_estimators._cli" in modules  # the records were read
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "existing"]
    assert (tmp_path / "existing" / "keep.txt").read_text() == "old results"


@pytest.mark.parametrize(
    "args",
    [
        "study --n-train 91 --n-test 10 --cv-folds 9",
        "study --n-train 60000 --n-test 10000 --cv-folds 2 --output existing --overwrite",
        "study --data-home missing/folder",
        "tune --n-train 91 --output existing --overwrite",
    ],
)
def test_the_limits_themselves_are_accepted(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    parsed = _cli_parser.build_parser().parse_args(shlex.split(args))
    assert list(_cli_checks._input_errors(parsed)) == []


def test_the_sizes_known_to_the_cli_are_the_data_sets_and_the_runners():
    for subset, n_images in _cli_parser._N_IMAGES.items():
        target = fetch_fashion_mnist(subset=subset).target
        assert len(target) == n_images
        assert len(np.unique(target)) == _cli_parser._N_CLASSES
    fraction = _cli_parser._VALIDATION_FRACTION
    assert {c.validation_fraction for c in PRESETS.values()} == {fraction}
    assert _cli_parser._PRESETS == list(PRESETS)
    default = inspect.signature(_tune.run_tune).parameters["validation_fraction"].default
    assert default == fraction


def test_fewest_training_images_is_the_smallest_stratified_holdout():
    bunch = fetch_fashion_mnist(subset="train")
    fewest = _cli_parser._fewest_training_images()

    def classes_on_each_side(n):
        _, y = _data._subset(bunch.images, bunch.target, n, random_state=0)
        train, val = holdout_split(y, validation_fraction=_cli_parser._VALIDATION_FRACTION,
                                   random_state=0)
        return len(np.unique(y[train])), len(np.unique(y[val]))

    assert classes_on_each_side(fewest) == (10, 10)
    assert classes_on_each_side(fewest - 1)[1] < 10


def test_a_subset_of_nearly_all_images_is_allowed():
    bunch = fetch_fashion_mnist(subset="test")
    X, y = _data._subset(bunch.images, bunch.target, 9_995, random_state=0)
    assert len(X) == len(y) == 9_995


@pytest.mark.parametrize(
    "origins, expected",
    [
        (["system"] * 4, SYSTEM_COPY),
        (["cache"] * 2, "the cache in /home/fashion_mnist; size and SHA-256 of each of the "
         "2 files checked"),
        (["cache", "download"], "the cache in /home/fashion_mnist (1 files); downloaded into "
         "/home/fashion_mnist (1 files); size and SHA-256 of each of the 2 files checked"),
    ],
)
def test_data_source_description(origins, expected):
    folders = {"system": str(SYSTEM_DIR), "cache": "/home/fashion_mnist",
               "download": "/home/fashion_mnist"}
    source = {
        name: {"path": f"{folders[origin]}/{name}", "origin": origin, "sha256": "..."}
        for name, origin in zip(_files._FILES, origins)
    }
    assert _files._describe_source(source) == expected


@needs_system_copy
def test_the_loader_says_where_each_file_came_from(tmp_path):
    cache = tmp_path / "fashion_mnist"
    cache.mkdir()
    labels, images = "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"
    (cache / labels).write_bytes((SYSTEM_DIR / labels).read_bytes())

    source = fetch_fashion_mnist(subset="test", data_home=tmp_path).source

    assert source == {
        labels: {"path": str(cache / labels), "origin": "cache",
                 "sha256": _files._FILES[labels][1]},
        images: {"path": str(SYSTEM_DIR / images), "origin": "system",
                 "sha256": _files._FILES[images][1]},
    }
    fetch_fashion_mnist(subset="test", data_home=tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


@needs_system_copy
def test_a_missing_data_home_is_not_created_and_the_source_is_reported(tmp_path):
    lines = []
    config = StudyConfig(models=("ann",), n_train=91, n_test=10, epochs=1, grid_epochs=0,
                         tune_trials=0)
    metrics = run_study(config, tmp_path / "out", data_home=tmp_path / "missing",
                        log=lines.append)

    assert not (tmp_path / "missing").exists()
    assert f"      data: {SYSTEM_COPY}" in lines
    on_disk = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert on_disk["data_source"] == metrics["data_source"]
    assert on_disk["data_source"]["description"] == SYSTEM_COPY
    files = on_disk["data_source"]["files"]
    assert sorted(files) == sorted(_files._FILES)
    assert all(f["origin"] == "system" and f["sha256"] == _files._FILES[name][1]
               for name, f in files.items())
    report = (tmp_path / "out" / "report.html").read_text()
    assert f"Data: {html.escape(SYSTEM_COPY)}." in report
    assert on_disk["data"] == {"n_train": 81, "n_validation": 10, "n_test": 10}


def _failing_fetch(**kwargs):
    raise OSError("no network")


def test_a_failed_study_leaves_no_empty_partial_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(_data, "fetch_fashion_mnist", _failing_fetch)
    lines = []
    with pytest.raises(OSError, match="no network"):
        run_study(StudyConfig(n_train=600, n_test=200), tmp_path / "out", log=lines.append)
    assert list(tmp_path.iterdir()) == []
    assert lines[-1] == (
        "\nThe study failed during 'Loading Fashion-MNIST'. Finished steps: none. No "
        f"report was written. Nothing was kept; '{tmp_path / 'out'}' was not created."
    )


def test_a_failed_overwrite_keeps_the_old_output(tmp_path, monkeypatch):
    monkeypatch.setattr(_data, "fetch_fashion_mnist", _failing_fetch)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").write_text("old report")
    lines = []
    with pytest.raises(OSError):
        run_study(StudyConfig(), tmp_path / "out", overwrite=True, log=lines.append)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "report.html").read_text() == "old report"
    assert lines[-1].endswith(f"Nothing was kept; '{tmp_path / 'out'}' was left as it was.")


@pytest.mark.parametrize("stop", ["failed", "was interrupted"])
def test_a_stopped_search_leaves_no_empty_partial_folder(stop, tmp_path, monkeypatch):
    lines = []

    def log(line):
        lines.append(line)
        if stop == "was interrupted" and line.startswith("Data:"):
            raise KeyboardInterrupt

    if stop == "failed":
        monkeypatch.setattr(_tune, "fetch_fashion_mnist", _failing_fetch)
    with pytest.raises(OSError if stop == "failed" else KeyboardInterrupt):
        _tune.run_tune(n_train=600, output=tmp_path / "out", log=log)
    assert list(tmp_path.iterdir()) == []
    assert lines[-1] == (
        f"\nThe search {stop}. No report was written. Nothing was kept; "
        f"'{tmp_path / 'out'}' was not created."
    )


def test_files_of_a_stopped_run_are_kept_and_named(tmp_path):
    staging = tmp_path / "out.partial"
    staging.mkdir()
    for name in ("ann.joblib", "ann.keras", "cnn.joblib", "cnn.keras", "comparison.csv"):
        (staging / name).write_text("")

    message = _output._what_was_kept(staging, tmp_path / "out")

    assert message == (
        f"Kept 5 file(s) in '{staging}' (ann.joblib, ann.keras, cnn.joblib, cnn.keras, ...) "
        f"until the next run with this output; '{tmp_path / 'out'}' was not created."
    )
    assert staging.is_dir()


@needs_system_copy
def test_ctrl_c_during_the_optuna_step_prints_one_line_and_no_traceback(tmp_path):
    args = ["study", "--models", "cnn", "--n-train", "91", "--n-test", "10", "--epochs", "1",
            "--grid-epochs", "0", "--tune-trials", "4", "--tune-epochs", "2", "--seeds", "1",
            "--output", "out", "--data-home", "missing"]
    with open(tmp_path / "stderr", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "fmnist_estimators", *args], cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
        watchdog = threading.Timer(240, process.kill)
        watchdog.start()
        try:
            lines = []
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                # The first trial has been reported: the second one is training.
                if line.lstrip().startswith("trial 1/4"):
                    process.send_signal(signal.SIGINT)
                    break
            lines += process.stdout.read().splitlines()
            status = process.wait()
        finally:
            watchdog.cancel()
    errors = (tmp_path / "stderr").read_text()

    assert status == 130, (lines, errors)
    assert "Traceback" not in errors and "KeyboardInterrupt" not in errors, errors
    assert f"      data: {SYSTEM_COPY}" in lines
    assert lines[-2:] == [
        "",
        "The study was interrupted during 'Optuna search of the CNN (4 trials, up to 2 "
        "epoch(s) each, pruned per epoch)'. Finished steps: Loading Fashion-MNIST, Training "
        "the CNN (1 epochs). No report was written. Nothing was kept; 'out' was not created.",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr"]
