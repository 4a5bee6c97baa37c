"""The study's self-contained HTML report: its page template, filled from metrics.json."""

import html
from string import Template

import pandas as pd

from ._html import _CSS, _image_tag, _seconds, _table
from ._sections import (
    _cards,
    _confused_table,
    _cv_section,
    _differs_table,
    _grid_section,
    _metrics_table,
    _misclassified,
    _optuna_section,
    _pairs_table,
    _per_class_table,
    _validation_table,
)

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>$title</title><style>$css</style></head>
<body>
<h1>$title</h1>
<p class="note">$setup</p>
<p class="note">Data: $data_source.</p>
<div class="headline">$cards</div>

<h2 id="verdicts">Verdicts</h2>
<p class="note">$method</p>
<ul class="verdicts">$verdicts</ul>
$claim

<h2 id="metrics">Test metrics with 95% confidence intervals</h2>
$metrics_table
<p class="note">$interval_note$seeds_note</p>
$interval_plot

<h2 id="pairs">Paired tests on the same test images</h2>
$pairs_table
<p class="note">$pairs_note</p>

<h2 id="differences">What differs between the models, and what each cost</h2>
$differs_table
<p class="note">$cost_note</p>
$tuning_note
$grid_note

<h2 id="per-class">Per-class results</h2>
<p class="note">Recall and F1 of every class on the test set$difference_note$first_seed_note.</p>
$per_class_table
<h3>Most-confused class pairs</h3>
<p class="note">Test images of one class predicted as the other, both directions added
(A&rarr;B / B&rarr;A in brackets); the pairs most confused by any model.</p>
$confused_table

<h2 id="confusion">Confusion matrices</h2>
$figures_seed_note
$confusion_plot

<h2 id="calibration">Calibration</h2>
<p class="note">$calibration_note</p>
$reliability_plot

<h2 id="curves">Learning curves</h2>
<p class="note">Training and validation curves$curves_seed; the validation hold-out is
$n_validation images of the training set.</p>
$curves_plot
<p class="note">$validation_note</p>
$validation_table

<h2 id="misclassified">Most confidently misclassified test images</h2>
$figures_seed_note
$misclassified
$grid_section
$cv_section
$optuna_section

<h2 id="run">Run</h2>
$steps_table
<p class="note">$files_note</p>
</body>
</html>
""")


def _setup(metrics):
    """The line under the title: images, training settings, runs and versions."""
    config, data, environment = metrics["config"], metrics["data"], metrics["environment"]
    seeds = metrics["seeds"]
    n_seeds = seeds["n_seeds"]
    random_states = ", ".join(str(seed) for seed in seeds["random_states"])
    if n_seeds == 1:
        runs = f"one training run per model, random_state={config['random_state']}"
    else:
        runs = (f"{n_seeds} training runs per model (random_state {random_states}) on the "
                "same training and test images, each with the validation hold-out its "
                "random_state draws; the grid and the Optuna search ran once, at "
                f"random_state {config['random_state']}")
    return (
        f"{data['n_train']:,} training, {data['n_validation']:,} validation and "
        f"{data['n_test']:,} test images &middot; {config['epochs']} epochs, batch "
        f"{config['batch_size']}, Adam at {config['learning_rate']:g} for the ANN and CNN "
        f"(the tuned CNN uses its tuned settings) &middot; {runs} &middot; fmnist_estimators "
        f"{html.escape(metrics['fmnist_estimators_version'])}, Keras "
        f"{html.escape(environment['keras'])} ({html.escape(environment['keras_backend'])})"
    )


def _method(metrics):
    """How the verdicts were reached: the test, its level, and what the seeds cover."""
    data, stats, seeds = metrics["data"], metrics["statistics"], metrics["seeds"]
    n_seeds = seeds["n_seeds"]
    method = (
        f"Each verdict follows from McNemar's exact test on the {data['n_test']:,} test "
        f"images at the {stats['alpha']:.0%} level"
        + (", Holm-adjusted over all pairs" if len(metrics["comparison"]["pairs"]) > 1
           else "")
        + "; a model is called more accurate, or best, only where the test says so. "
        "Differences are in accuracy, with a 95% paired bootstrap interval. The test set "
        "was used once, after training and every search. "
    )
    if n_seeds == 1:
        method += ("The tests treat the trained models as fixed, so they do not cover the "
                   "variation from one training run to the next (train several seeds, "
                   "--seeds, for that).")
    else:
        method += (f"Every model was trained with {n_seeds} seeds. "
                   + html.escape(seeds["rule"])
                   + " The pairs table below gives each seed's test and the rule's verdict.")
    return method


def render_report(metrics, folder):
    """The report as one HTML string, with every figure embedded.

    Parameters
    ----------
    metrics : dict
        The content of ``metrics.json``: every number and sentence shown.
    folder : path
        Where the figures were written.
    """
    config, data, stats = metrics["config"], metrics["data"], metrics["statistics"]
    environment = metrics["environment"]
    verdicts = metrics["comparison"]["verdicts"] or ["Only one model: nothing to compare."]
    claim = metrics.get("claim")
    steps = pd.DataFrame({
        "step": list(metrics["step_times_s"]),
        "wall time": [_seconds(v) for v in metrics["step_times_s"].values()],
    })
    n_seeds = metrics["seeds"]["n_seeds"]
    difference_note = (
        "; CNN - ANN is the CNN's minus the ANN's" if metrics["per_class_difference"] else ""
    )
    first_seed = f"the first seed (random_state {config['random_state']})"
    validation_note = (
        "Validation accuracy, best epoch (during training): the highest per-epoch validation "
        "accuracy (the dashed curves above), measured after each epoch while the network "
        "trained. Validation accuracy and loss, "
        "returned model: measured after fit on the network it returned (the best epoch's "
        "weights where early stopping restored them, batch-norm statistics recalibrated "
        "where the network has them), on the same hold-out; this is the model the test "
        "figures describe."
        + ("" if n_seeds == 1 else
           " Each seed's hold-out is drawn from its random_state, so the seeds' validation "
           "figures are on different images.")
    )
    calibration_note = (
        "Top-label reliability: test images grouped by their largest predicted "
        f"probability into {stats['ece_bins']} equal-width bins, each bin's accuracy "
        "against its mean confidence; bars below the diagonal mean over-confidence. "
        "The expected calibration error (ECE) is the bins' weighted mean gap; the "
        "multiclass Brier score (0 best, 2 worst) is in the metrics table above."
        + ("" if n_seeds == 1 else
           f" The diagrams are for {first_seed}; every seed's ECE is in the metrics table.")
    )
    files_note = (
        "Files (readable by all users): metrics.json (every number and sentence of this "
        "report), comparison.csv, seeds.csv (every model and seed), paired_tests.csv "
        "(every pair and seed), per_class.csv, "
        "classification_report_&lt;model&gt;.csv, grid_results.csv, optuna_trials.csv "
        "and cross_validation.csv when those steps ran, the figures as PNG, and each "
        "model as &lt;model&gt;.joblib (the estimator) and &lt;model&gt;.keras (the "
        "network)"
        + ("." if n_seeds == 1 else
           ", for the first seed; the other seeds' as &lt;model&gt;-seed&lt;random_state&gt;"
           ".joblib and .keras.")
    )
    return _PAGE.substitute(
        title="Fashion-MNIST: ANN vs CNN",
        css=_CSS,
        setup=_setup(metrics),
        data_source=html.escape(metrics.get("data_source", {}).get("description", "n/a")),
        cards=_cards(metrics),
        method=_method(metrics),
        verdicts="".join(f"<li>{html.escape(v)}</li>" for v in verdicts),
        claim="" if claim is None
        else f'<p class="claim">{html.escape(claim["sentence"])}</p>',
        metrics_table=_metrics_table(metrics),
        interval_note=(
            "Accuracy: exact Clopper&ndash;Pearson interval. Macro-F1 and log loss: "
            f"percentile bootstrap over the test images ({stats['n_resamples']:,} "
            f"resamples, seed {stats['random_state']})."
        ),
        seeds_note="" if n_seeds == 1 else (
            f" Each interval is one seed's, over the test images; mean &plusmn; std is "
            f"over the {n_seeds} seeds (sample standard deviation), the spread from one "
            "training run to the next."),
        interval_plot=_image_tag(folder / "test_intervals.png", "Test metrics with intervals"),
        pairs_table=_pairs_table(metrics),
        pairs_note=(
            "Only A right / only B right: test images that one model classifies correctly "
            "and the other does not (McNemar's discordant counts b and c); the exact test "
            "asks whether they split evenly."
            + ("" if n_seeds == 1 else
               " Each seed's rows compare that seed's two trained models, Holm-adjusted over "
               "that seed's pairs. 'All seeds' is the rule's verdict: significant only when "
               "every seed is, with the same model ahead.")
        ),
        differs_table=_differs_table(metrics),
        cost_note=(
            "Times on this machine for this run "
            f"({environment['cpu_count']} CPUs): training includes validation after each "
            "epoch; prediction time is predict_proba on the whole test set; latency is "
            f"the median of {stats['latency_calls']} predict_proba calls on one image."
        ),
        tuning_note="" if metrics.get("tuning") is None
        else f"<p>{html.escape(metrics['tuning']['sentence'])}</p>",
        grid_note="" if metrics["grid"] is None
        else f"<p>{html.escape(metrics['grid_choice']['sentence'])}</p>",
        difference_note=difference_note,
        first_seed_note="" if n_seeds == 1 else f", for {first_seed}",
        figures_seed_note="" if n_seeds == 1
        else f'<p class="note">For {first_seed}.</p>',
        curves_seed="" if n_seeds == 1 else f" of {first_seed}",
        validation_note=validation_note,
        per_class_table=_per_class_table(metrics),
        confused_table=_confused_table(metrics),
        confusion_plot=_image_tag(folder / "confusion_matrices.png", "Confusion matrices"),
        calibration_note=calibration_note,
        reliability_plot=_image_tag(folder / "reliability_diagrams.png",
                                    "Reliability diagrams"),
        n_validation=f"{data['n_validation']:,}",
        curves_plot=_image_tag(folder / "learning_curves.png", "Learning curves"),
        validation_table=_validation_table(metrics),
        misclassified=_misclassified(metrics, folder),
        grid_section=_grid_section(metrics, folder),
        cv_section=_cv_section(metrics),
        optuna_section=_optuna_section(metrics),
        steps_table=_table(steps, index=False),
        files_note=files_note,
    )
