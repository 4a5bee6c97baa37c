"""The study command end to end on a small real subset, report checked in Chromium."""

import json
import shutil
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from fmnist_estimators.study import StudyConfig, run_study
from fmnist_estimators._cli import main
from fmnist_estimators._precision import resolve_dtype_policy

TINY = StudyConfig(
    n_train=1200, n_test=400, epochs=2, grid_epochs=1, tune_trials=2, tune_epochs=1,
    cv_folds=2,
)
MODELS = ["ann", "cnn", "tuned-cnn"]
FIGURES = [
    "learning_curves.png", *(f"confusion_matrix_{m}.png" for m in MODELS),
    *(f"misclassified_{m}.png" for m in MODELS), "grid_heatmap.png",
]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    output = tmp_path_factory.mktemp("study") / "out"
    lines = []
    metrics = run_study(TINY, output, log=lines.append)
    return output, metrics, lines


def test_every_output_is_written(study):
    output, _, _ = study
    expected = {
        "report.html", "metrics.json", "comparison.csv", "grid_results.csv",
        "optuna_trials.csv", "cross_validation.csv", *FIGURES,
        *(f"classification_report_{m}.csv" for m in MODELS),
        *(f"{m}.{ext}" for m in MODELS for ext in ("joblib", "keras")),
    }
    assert {p.name for p in output.iterdir()} == expected
    assert not output.with_name("out.partial").exists()


def test_metrics_json(study, target_names):
    output, metrics, _ = study
    on_disk = json.loads((output / "metrics.json").read_text())
    assert on_disk["data"] == {"n_train": 1080, "n_validation": 120, "n_test": 400}
    for label in ("ANN", "CNN", "Tuned CNN"):
        model = on_disk["models"][label]
        assert 0.3 < model["test_accuracy"] <= 1
        assert model["test_loss"] > 0
        assert model["fit_time_s"] > 0
        assert list(model["per_class"]) == list(target_names)
        assert set(model["per_class"]["Shirt"]) == {"precision", "recall", "f1-score", "support"}
        assert model["reload_identical"] is True
        assert model["network_reload_max_abs_diff"] < 1e-5
    assert metrics["models"]["CNN"]["n_params"] == 121_930
    # The seed CNN computes in bfloat16 where the CPU has the instructions.
    assert on_disk["models"]["ANN"]["dtype_policy"] == "float32"
    assert on_disk["models"]["CNN"]["dtype_policy"] == resolve_dtype_policy("auto")
    assert len(on_disk["grid"]) == 4
    assert len(on_disk["optuna_trials"]) == 2
    assert set(on_disk["cross_validation"]) == {"ANN", "CNN"}
    assert 0.2 < on_disk["cross_validation"]["CNN"]["accuracy mean"] <= 1
    assert set(on_disk["models"]["Tuned CNN"]["params"]) >= {"learning_rate", "filters"}


def test_tables(study):
    output, metrics, _ = study
    comparison = pd.read_csv(output / "comparison.csv", index_col="model")
    assert list(comparison.index) == ["ANN", "CNN", "Tuned CNN"]
    np.testing.assert_allclose(
        comparison.loc["CNN", "test accuracy"], metrics["models"]["CNN"]["test_accuracy"]
    )
    grid = pd.read_csv(output / "grid_results.csv")
    assert set(grid.columns) >= {"learning_rate", "batch_size", "validation_accuracy", "rank"}
    assert sorted(grid["rank"]) == [1, 2, 3, 4]


def test_saved_models_reload(study, fashion_test):
    output, _, _ = study
    X_test, _ = fashion_test
    estimator = joblib.load(output / "cnn.joblib")
    assert estimator.predict(X_test[:10]).shape == (10,)


def test_progress_lines(study):
    _, _, lines = study
    text = "\n".join(lines)
    assert "[1/10] Loading Fashion-MNIST" in text
    assert "trial 2/2" in text
    assert "CNN epoch 2/2" in text and "ETA" in text
    assert "Report:" in lines[-1]


def test_existing_output_is_not_overwritten(study):
    output, _, _ = study
    before = (output / "metrics.json").read_bytes()
    with pytest.raises(FileExistsError, match="--overwrite"):
        run_study(TINY, output, log=lambda line: None)
    assert (output / "metrics.json").read_bytes() == before


def test_interrupted_study_leaves_no_report(tmp_path):
    lines = []

    def interrupt_at_grid(line):
        lines.append(line)
        if line.startswith("[4/"):
            raise KeyboardInterrupt

    config = StudyConfig(n_train=600, n_test=200, epochs=1, grid_epochs=1, tune_trials=0)
    with pytest.raises(KeyboardInterrupt):
        run_study(config, tmp_path / "out", log=interrupt_at_grid)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.partial" / "report.html").exists()
    message = lines[-1]
    assert "interrupted during 'Grid search" in message
    assert "Training the ANN" in message and "Training the CNN" in message


def test_cli_refuses_existing_output(study, capsys):
    output, _, _ = study
    assert main(["study", "--output", str(output), "--epochs", "1"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_cli_help_is_fast_and_does_not_import_tensorflow():
    code = (
        "import sys, fmnist_estimators._cli as c\n"
        "try:\n    c.main(['study', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for option in ("--preset", "--models", "--epochs", "--output", "--random-state"):
        assert option in result.stdout


def test_cli_rejects_bad_options(capsys):
    with pytest.raises(SystemExit):
        main(["study", "--epochs", "0"])
    assert "positive integer" in capsys.readouterr().err


def test_report_in_a_real_browser(study, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    output, metrics, _ = study
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto((output / "report.html").as_uri())
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.alt, e.complete, e.naturalWidth])"
            )
            text = page.inner_text("body")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert len(images) == len(FIGURES)
    assert all(complete and width > 100 for _, complete, width in images), images
    assert "Optuna search" in text and "Cross-validation" in text
    for label in ("ANN", "CNN", "Tuned CNN"):
        accuracy = metrics["models"][label]["test_accuracy"]
        assert f"{label} test accuracy" in text
        assert f"{accuracy:.4f}" in text
    assert (tmp_path / "report.png").stat().st_size > 10_000


@pytest.mark.parametrize("search", ["grid", "optuna"])
def test_tune_command(tmp_path, search):
    output = tmp_path / search
    argv = ["tune", "--search", search, "--n-train", "600", "--epochs", "1",
            "--n-trials", "2", "--output", str(output)]
    assert main(argv) == 0
    best = json.loads((output / "best.json").read_text())
    assert best["search"] == search and 0 < best["validation_accuracy"] <= 1
    table = pd.read_csv(output / "search_results.csv")
    assert len(table) == (4 if search == "grid" else 2)
    assert "test set was not used" in (output / "report.html").read_text()
    assert (output / "search_heatmap.png").exists() == (search == "grid")
