"""The study command end to end on a small real subset, report checked in Chromium."""

import dataclasses
import html
import json
import shutil
import stat
import subprocess
import sys
from html.parser import HTMLParser

import joblib
import numpy as np
import pandas as pd
import pytest

from fmnist_estimators.study import PRESETS, StudyConfig, run_study
from fmnist_estimators._cli import _study_config, build_parser, main
from fmnist_estimators._backend._precision import resolve_dtype_policy
from fmnist_estimators.datasets import fetch_fashion_mnist
from fmnist_estimators.metrics import (
    combine_comparisons,
    compare_models,
    format_p_value,
    mcnemar_test,
)
from fmnist_estimators.study._analysis import claim_sentence, grid_choice, validation_figures
from fmnist_estimators.study._data import _subset

TINY = StudyConfig(
    n_train=1200, n_test=400, epochs=2, grid_epochs=1, tune_trials=2, tune_epochs=1,
    cv_folds=2,
)
MODELS = ["ann", "cnn", "tuned-cnn"]
LABELS = {"ann": "ANN", "cnn": "CNN", "tuned-cnn": "Tuned CNN"}
FIGURES = [
    "learning_curves.png", "test_intervals.png", "confusion_matrices.png",
    "reliability_diagrams.png", *(f"misclassified_{m}.png" for m in MODELS),
    "grid_heatmap.png",
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
        "report.html", "metrics.json", "comparison.csv", "seeds.csv", "paired_tests.csv",
        "per_class.csv",
        "grid_results.csv", "optuna_trials.csv", "cross_validation.csv", *FIGURES,
        *(f"classification_report_{m}.csv" for m in MODELS),
        *(f"{m}.{ext}" for m in MODELS for ext in ("joblib", "keras")),
    }
    assert {p.name for p in output.iterdir()} == expected
    assert not output.with_name("out.partial").exists()


def test_output_files_are_readable_like_the_keras_files(study):
    output, _, _ = study
    keras_mode = stat.S_IMODE((output / "cnn.keras").stat().st_mode)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in output.iterdir()}
    assert set(modes.values()) == {keras_mode}, modes


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
        for metric in ("test_accuracy", "test_macro_f1", "test_loss"):
            low, high = model[f"{metric}_ci"]
            assert low < model[metric] < high, (label, metric)
        # 400 test images: an exact 95% interval about 0.08-0.10 wide around 0.5-0.8.
        assert 0.05 < np.diff(model["test_accuracy_ci"])[0] < 0.12
        assert 0 < model["test_brier"] < 2 and 0 <= model["test_ece"] <= 1
        assert sum(model["reliability"]["count"]) == 400
        assert model["latency_s"] > 0 and model["predict_time_s"] > 0
        assert model["settings"]["weights"] == model["n_params"]
        # One seed: its figures are the model's, with no spread over seeds.
        [seed] = model["seeds"]
        assert seed["random_state"] == 0 and seed["test_accuracy"] == model["test_accuracy"]
        assert seed["test_accuracy_ci"] == model["test_accuracy_ci"]
        assert model["test_accuracy_std"] is None
    assert on_disk["seeds"]["n_seeds"] == 1 and on_disk["seeds"]["random_states"] == [0]
    assert on_disk["comparison"]["n_seeds"] == 1
    assert metrics["models"]["CNN"]["n_params"] == 121_930
    # Searched at 1 epoch, the tuned CNN is trained with early stopping, the others not.
    assert on_disk["models"]["Tuned CNN"]["settings"]["early_stopping"] is True
    assert on_disk["models"]["CNN"]["settings"]["early_stopping"] is False
    assert on_disk["tuning"]["protocol"] == "early stopping on the validation loss"
    # The seed CNN computes in bfloat16 where the CPU has the instructions.
    assert on_disk["models"]["ANN"]["dtype_policy"] == "float32"
    assert on_disk["models"]["CNN"]["dtype_policy"] == resolve_dtype_policy("auto")
    assert len(on_disk["grid"]) == 4
    assert len(on_disk["optuna_trials"]) == 2
    assert set(on_disk["cross_validation"]) == {"ANN", "CNN"}
    assert 0.2 < on_disk["cross_validation"]["CNN"]["accuracy mean"] <= 1
    assert set(on_disk["models"]["Tuned CNN"]["params"]) >= {"learning_rate", "filters"}


def test_paired_tests_match_the_saved_models(study):
    """McNemar's counts in metrics.json, recomputed from the reloaded models."""
    output, metrics, _ = study
    test = fetch_fashion_mnist(subset="test")
    X_test, y_test = _subset(test.images, test.target, TINY.n_test, TINY.random_state)
    y_pred = {LABELS[m]: joblib.load(output / f"{m}.joblib").predict(X_test) for m in MODELS}
    pairs = metrics["comparison"]["pairs"]
    assert [(p["model_a"], p["model_b"]) for p in pairs] == [
        ("ANN", "CNN"), ("ANN", "Tuned CNN"), ("CNN", "Tuned CNN")
    ]
    for pair in pairs:
        [seed] = pair["per_seed"]
        result = mcnemar_test(y_test, y_pred[pair["model_a"]], y_pred[pair["model_b"]])
        assert (seed["only_a_correct"], seed["only_b_correct"]) == (result.b, result.c)
        assert seed["mcnemar_p_value"] == pytest.approx(result.p_value)
        assert seed["mcnemar_p_value"] <= seed["holm_p_value"] <= 1
        low, high = seed["accuracy_difference_ci"]
        assert low <= seed["accuracy_difference"] <= high
        # The verdict follows the Holm-adjusted test, not the sign of the difference.
        assert pair["significant"] == seed["significant"] == (seed["holm_p_value"] < 0.05)
        assert ("more accurate than" in pair["verdict"]) == pair["significant"]


def test_validation_figures_describe_the_returned_model(study):
    """The returned network's validation accuracy is validation_score_, not history's."""
    output, metrics, _ = study
    text = (output / "report.html").read_text()
    assert "validation accuracy, best epoch (during training)" in text
    assert "validation accuracy, returned model" in text
    for key in MODELS:
        estimator = joblib.load(output / f"{key}.joblib")
        model = metrics["models"][LABELS[key]]
        assert model["val_accuracy_returned"] == estimator.validation_score_
        assert model["val_loss_returned"] == estimator.validation_loss_
        history = estimator.history_["val_accuracy"]
        assert model["val_accuracy_best_epoch"] == max(history)
        assert model["best_epoch"] == int(np.argmax(history)) + 1


class _Fitted:
    """What validation_figures reads from a fitted estimator."""

    def __init__(self, history, score, loss):
        self.history_, self.validation_score_, self.validation_loss_ = history, score, loss


def test_validation_figures_keep_the_best_epoch_and_the_returned_model_apart():
    # A short training whose batch-norm recalibration changed the network:
    # the epochs measured 0.287 at best, the returned network 0.741.
    figures = validation_figures(_Fitted({"val_accuracy": [0.21, 0.287, 0.25]}, 0.741, 0.8))
    assert figures == {"val_accuracy_best_epoch": 0.287, "best_epoch": 2,
                       "val_accuracy_returned": 0.741, "val_loss_returned": 0.8}
    # Without a hold-out there is nothing to report, and nothing is made up.
    assert set(validation_figures(_Fitted({"loss": [1.0]}, None, None)).values()) == {None}


def test_claim_follows_the_test(study):
    output, metrics, _ = study
    claim = metrics["claim"]
    pair = next(p for p in metrics["comparison"]["pairs"]
                if {p["model_a"], p["model_b"]} == {"CNN", "Tuned CNN"})
    expected = ("not supported" if not pair["significant"]
                else "supported" if pair["winner"] == "Tuned CNN" else "contradicted")
    assert claim["status"] == expected
    assert claim["sentence"].startswith("The notebook's closing claim")
    assert "early stopping" in claim["sentence"]  # trained differently, and said so
    text = (output / "report.html").read_text()
    assert "confirmed" not in text and "Best on the test set" not in text


def _constructed_comparison(*right, n=2000):
    """Two models on n images at each seed: ``(tuned_right, seed_right)`` per seed.

    Each gets that many images right, with the errors apart.
    """
    comparisons = []
    for tuned_right, seed_right in zip(right[::2], right[1::2]):
        y_true = np.zeros(n, dtype=int)
        tuned = np.where(np.arange(n) < tuned_right, 0, 1)
        seed = np.where(np.arange(n)[::-1] < seed_right, 0, 1)
        comparisons.append(compare_models(y_true, {"CNN": seed, "Tuned CNN": tuned}))
    return combine_comparisons(comparisons)


SEED_SETTINGS = {
    "network": "Conv 32-64, Dense 64", "weights": 121_930, "epochs": 12,
    "epochs_trained": 12, "returned_epoch": 12, "early_stopping": False, "patience": None,
    "batch_size": 128, "learning_rate": 1e-3, "dropout": 0.0, "regularisation": "none",
    "numeric_type": "float32",
}


@pytest.mark.parametrize("tuned_right, seed_right, status", [
    (1900, 1800, "supported"), (1800, 1900, "contradicted"), (1850, 1845, "not supported"),
])
def test_claim_sentence_on_constructed_predictions(tuned_right, seed_right, status):
    comparison = _constructed_comparison(tuned_right, seed_right)
    claim = claim_sentence(comparison, "Tuned CNN", "CNN", SEED_SETTINGS, SEED_SETTINGS)
    assert claim["status"] == status
    assert f"is {status} by this run at the 5% level" in claim["sentence"]
    assert claim["differences"] == [] and "like-for-like" not in claim["sentence"]


@pytest.mark.parametrize("right, status", [
    ((1900, 1800, 1900, 1800, 1900, 1800), "supported"),
    ((1900, 1800, 1900, 1800, 1850, 1845), "not supported"),  # significant at 2 of 3
    ((1800, 1900, 1800, 1900), "contradicted"),
])
def test_claim_sentence_over_seeds(right, status):
    comparison = _constructed_comparison(*right)
    runs = [{"epochs_trained": e, "returned_epoch": r} for e, r in [(7, 4), (9, 6), (8, 5)]]
    tuned = {**SEED_SETTINGS, "early_stopping": True, "patience": 3}
    claim = claim_sentence(comparison, "Tuned CNN", "CNN", tuned, SEED_SETTINGS,
                           tuned_runs=runs[:comparison.n_seeds])
    assert claim["status"] == status
    n = comparison.n_seeds
    assert f"is {status} by this run's {n} seeds at the 5% level" in claim["sentence"]
    assert len(claim["per_seed"]) == n and claim["mcnemar_p_value"] is None
    assert ("not significant at every seed" in claim["sentence"]) == (status == "not supported")
    if n == 3:
        assert "it ran 7, 9 and 8 of up to 12 epochs with its 3 seeds and kept the weights " \
            "of epochs 4, 6 and 5" in claim["sentence"]


def test_claim_sentence_says_when_the_tuned_cnn_is_larger():
    tuned = {**SEED_SETTINGS, "network": "Conv 48-96, Dense 256", "weights": 352_874,
             "learning_rate": 3.1e-3, "early_stopping": True, "patience": 3,
             "epochs_trained": 7, "returned_epoch": 4}
    claim = claim_sentence(_constructed_comparison(1900, 1800), "Tuned CNN", "CNN",
                           tuned, SEED_SETTINGS)
    assert claim["status"] == "supported"
    assert "not a like-for-like comparison" in claim["sentence"]
    assert "the tuned CNN is also larger (2.9x the weights: 352,874 against 121,930" in (
        claim["sentence"])
    assert "learning rate 0.0031 instead of 0.001" in claim["sentence"]
    assert "and trained with early stopping on the validation loss (it ran 7 of up to 12 " \
        "epochs and kept the weights of epoch 4" in claim["sentence"]


def test_grid_choice_says_when_it_differs_from_the_cnn_row():
    config = StudyConfig()
    grid = pd.DataFrame({"learning_rate": [5e-4, 1e-3], "batch_size": [64, 128],
                         "validation_accuracy": [0.91, 0.90], "rank": [1, 2]})
    choice = grid_choice(grid, config)
    assert not choice["same"]
    assert "differs from the one the CNN row was trained with" in choice["sentence"]
    assert "learning rate 0.0005, batch size 64" in choice["sentence"]
    assert grid_choice(grid.iloc[::-1].reset_index(drop=True), config)["same"]


class _Tables(HTMLParser):
    """Header rows and cells of every table in a page."""

    def __init__(self):
        super().__init__()
        self.tables, self._in = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"header_rows": [], "body_rows": 0})
        elif tag in ("thead", "tbody"):
            self._in = tag
        elif tag == "tr" and self._in == "thead":
            self.tables[-1]["header_rows"].append([])
        elif tag == "tr" and self._in == "tbody":
            self.tables[-1]["body_rows"] += 1
        elif tag == "th" and self._in == "thead":
            self.tables[-1]["header_rows"][-1].append("")

    def handle_data(self, data):
        if self._in == "thead" and self.tables and self.tables[-1]["header_rows"]:
            row = self.tables[-1]["header_rows"][-1]
            if row:
                row[-1] += data.strip()

    def handle_endtag(self, tag):
        if tag in ("thead", "tbody"):
            self._in = None


def test_report_tables_have_one_full_header_row(study):
    output, _, _ = study
    parser = _Tables()
    parser.feed((output / "report.html").read_text())
    assert len(parser.tables) >= 8
    for table in parser.tables:
        assert len(table["header_rows"]) == 1, table
        assert all(table["header_rows"][0]), table  # no empty header cell
        assert "precision" not in table["header_rows"][0]
        assert table["body_rows"] > 0


def test_tables(study):
    output, metrics, _ = study
    comparison = pd.read_csv(output / "comparison.csv", index_col="model")
    assert list(comparison.index) == ["ANN", "CNN", "Tuned CNN"]
    np.testing.assert_allclose(
        comparison.loc["CNN", "test accuracy"], metrics["models"]["CNN"]["test_accuracy"]
    )
    assert "numeric type" in comparison.columns and "precision" not in comparison.columns
    pairs = pd.read_csv(output / "paired_tests.csv")
    assert len(pairs) == 3 and {"b", "c", "p_value", "p_value_holm"} <= set(pairs.columns)
    per_class = pd.read_csv(output / "per_class.csv")
    assert len(per_class) == 10
    np.testing.assert_allclose(per_class["CNN - ANN recall"],
                               per_class["CNN recall"] - per_class["ANN recall"])
    trials = pd.read_csv(output / "optuna_trials.csv")
    assert sorted(trials["trial"]) == [1, 2]  # as the progress lines number them
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
        model = metrics["models"][label]
        low, high = model["test_accuracy_ci"]
        assert f"{label} test accuracy" in text
        assert f"{model['test_accuracy']:.4f} [{low:.4f}, {high:.4f}]" in text
        assert f"{model['n_params']:,}" in text
    for verdict in metrics["comparison"]["verdicts"]:
        assert verdict in text
    assert metrics["claim"]["sentence"] in text
    assert "numeric type" in text and "latency per image (batch size 1)" in text
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_one_model_has_no_verdict_to_make(tmp_path):
    config = StudyConfig(models=("ann",), n_train=600, n_test=200, epochs=1, grid_epochs=0,
                         tune_trials=0)
    metrics = run_study(config, tmp_path / "out", log=lambda line: None)
    assert metrics["comparison"]["pairs"] == [] and metrics["claim"] is None
    assert metrics["models"]["ANN"]["test_accuracy_ci"][0] < metrics["models"]["ANN"][
        "test_accuracy"]
    text = (tmp_path / "out" / "report.html").read_text()
    assert "Only one model: nothing to compare." in text
    assert "no pair to test" in text


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
    if search == "optuna":
        assert sorted(table["trial"]) == [1, 2]  # as the progress lines number them
    assert (output / "search_heatmap.png").exists() == (search == "grid")


# ------------------------------------------------------------------- seeds
TWO_SEEDS = StudyConfig(
    n_train=600, n_test=300, epochs=1, grid_epochs=0, tune_trials=1, tune_epochs=1, seeds=2,
)


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    output = tmp_path_factory.mktemp("seeds") / "out"
    metrics = run_study(TWO_SEEDS, output, log=lambda line: None)
    return output, metrics


def test_presets_seeds_and_the_seeds_option():
    assert PRESETS["seed"].seeds == PRESETS["full"].seeds == 3
    assert PRESETS["quick"].seeds == 1
    # The seed preset is the full one on a subset of the training images.
    assert PRESETS["seed"] == dataclasses.replace(PRESETS["full"], n_train=12_000)
    parser = build_parser()
    assert _study_config(parser.parse_args(["study", "--preset", "quick"])).seeds == 1
    config = _study_config(parser.parse_args(["study", "--preset", "quick", "--seeds", "2"]))
    assert config.seeds == 2 and config.n_train == PRESETS["quick"].n_train
    with pytest.raises(SystemExit):
        parser.parse_args(["study", "--seeds", "0"])
    with pytest.raises(ValueError, match="seeds must be a positive integer"):
        run_study(StudyConfig(seeds=0), "unused", log=lambda line: None)


def test_two_seeds_write_per_seed_values(two_seeds):
    output, metrics = two_seeds
    on_disk = json.loads((output / "metrics.json").read_text())
    assert on_disk["seeds"]["random_states"] == [0, 1]
    assert "significant at every seed" in on_disk["seeds"]["rule"]
    for label in ("ANN", "CNN", "Tuned CNN"):
        model = on_disk["models"][label]
        seeds = model["seeds"]
        assert [s["random_state"] for s in seeds] == [0, 1]
        for metric in ("test_accuracy", "test_macro_f1", "test_loss"):
            values = [s[metric] for s in seeds]
            assert model[metric] == pytest.approx(np.mean(values))
            assert model[f"{metric}_std"] == pytest.approx(np.std(values, ddof=1))
            assert model[f"{metric}_ci"] is None  # an interval belongs to one seed's model
            for s in seeds:
                low, high = s[f"{metric}_ci"]
                assert low < s[metric] < high
        assert seeds[0]["estimator_file"] != seeds[1]["estimator_file"]
        assert all(s["reload_identical"] for s in seeds)
    # Different seeds train different networks.
    ann = on_disk["models"]["ANN"]["seeds"]
    assert ann[0]["test_loss"] != ann[1]["test_loss"]
    table = pd.read_csv(output / "seeds.csv")
    assert len(table) == 6 and sorted(set(table["random_state"])) == [0, 1]
    assert len(pd.read_csv(output / "paired_tests.csv")) == 6  # 3 pairs x 2 seeds
    assert (output / "cnn-seed1.joblib").exists() and (output / "tuned-cnn-seed1.keras").exists()


def test_two_seeds_per_seed_tests_are_each_seeds_models(two_seeds):
    """Each seed's McNemar counts, recomputed from that seed's saved models."""
    output, metrics = two_seeds
    test = fetch_fashion_mnist(subset="test")
    X_test, y_test = _subset(test.images, test.target, TWO_SEEDS.n_test, TWO_SEEDS.random_state)
    stems = {0: "{}", 1: "{}-seed1"}
    for pair in metrics["comparison"]["pairs"]:
        keys = [next(k for k, v in LABELS.items() if v == pair[side])
                for side in ("model_a", "model_b")]
        for seed in pair["per_seed"]:
            a, b = (joblib.load(output / f"{stems[seed['random_state']].format(k)}.joblib")
                    .predict(X_test) for k in keys)
            result = mcnemar_test(y_test, a, b)
            assert (seed["only_a_correct"], seed["only_b_correct"]) == (result.b, result.c)


def test_two_seeds_verdicts_follow_the_rule(two_seeds):
    output, metrics = two_seeds
    text = (output / "report.html").read_text()
    for pair in metrics["comparison"]["pairs"]:
        seeds = pair["per_seed"]
        winners = {s["winner"] for s in seeds}
        every = all(s["significant"] for s in seeds) and len(winners) == 1
        assert pair["significant"] == every
        assert pair["winner"] == (winners.pop() if every else None)
        verdict = pair["verdict"]
        if every:
            assert "more accurate than" in verdict and "at every one of the 2 seeds" in verdict
        else:
            assert verdict.startswith("No significant difference between")
        # Each seed's Holm-adjusted p-value is shown, as the report formats it.
        for s in seeds:
            assert format_p_value(s["holm_p_value"]) in verdict
        assert html.escape(verdict) in text
    claim = metrics["claim"]
    pair = next(p for p in metrics["comparison"]["pairs"]
                if {p["model_a"], p["model_b"]} == {"CNN", "Tuned CNN"})
    expected = ("not supported" if not pair["significant"]
                else "supported" if pair["winner"] == "Tuned CNN" else "contradicted")
    assert claim["status"] == expected and "2 seeds" in claim["sentence"]
    assert "mean &plusmn; std" in text and "random_state 0, 1" in text
    assert html.escape(metrics["seeds"]["rule"]) in text
    for entry in metrics["models"]["CNN"]["seeds"]:
        low, high = entry["test_accuracy_ci"]
        assert f"{entry['test_accuracy']:.4f} [{low:.4f}, {high:.4f}]" in text
