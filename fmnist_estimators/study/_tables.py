"""The study's CSV tables: the summary, every seed, the paired tests, the searches."""

import pandas as pd

from ._output import _write_csv


def _ci_text(bounds):
    return "" if bounds is None else f"[{bounds[0]:.4f}, {bounds[1]:.4f}]"


def _summary_table(results):
    """One row per model: test figures with intervals (one seed) or std (seeds).

    With several seeds the figures are means over the seeds, with their
    standard deviations; the intervals are in :func:`_seeds_table`.
    """
    rows = []
    for r in results.values():
        s = r["settings"]
        n_seeds = len(r["seeds"])
        spread = (
            {"accuracy 95% CI": _ci_text(r["test_accuracy_ci"])} if n_seeds == 1
            else {"accuracy std": r["test_accuracy_std"]}
        )
        rows.append({
            "model": r["label"],
            "seeds": n_seeds,
            "test accuracy": r["test_accuracy"],
            **spread,
            "macro-F1": r["test_macro_f1"],
            **({"macro-F1 95% CI": _ci_text(r["test_macro_f1_ci"])} if n_seeds == 1
               else {"macro-F1 std": r["test_macro_f1_std"]}),
            "log loss": r["test_loss"],
            **({"log loss 95% CI": _ci_text(r["test_loss_ci"])} if n_seeds == 1
               else {"log loss std": r["test_loss_std"]}),
            "Brier score": r["test_brier"],
            "ECE": r["test_ece"],
            "weights": s["weights"],
            # Early stopping can end each seed's training at another epoch.
            "epochs trained": ", ".join(str(e["epochs_trained"]) for e in r["seeds"]),
            "batch size": s["batch_size"],
            "learning rate": s["learning_rate"],
            "regularisation": s["regularisation"],
            "numeric type": s["numeric_type"],
            "training time (s)": r["fit_time_s"],
            "test-set prediction time (s)": r["predict_time_s"],
            "latency per image (s)": r["latency_s"],
        })
    return pd.DataFrame.from_records(rows, index="model")


def _seeds_table(results):
    """One row per model and seed: test figures with their 95% intervals."""
    rows = []
    for r in results.values():
        for entry in r["seeds"]:
            rows.append({
                "model": r["label"], "random_state": entry["random_state"],
                "test accuracy": entry["test_accuracy"],
                "accuracy 95% CI": _ci_text(entry["test_accuracy_ci"]),
                "macro-F1": entry["test_macro_f1"],
                "macro-F1 95% CI": _ci_text(entry["test_macro_f1_ci"]),
                "log loss": entry["test_loss"],
                "log loss 95% CI": _ci_text(entry["test_loss_ci"]),
                "Brier score": entry["test_brier"], "ECE": entry["test_ece"],
                "epochs trained": entry["epochs_trained"],
                "training time (s)": entry["fit_time_s"],
            })
    return pd.DataFrame.from_records(rows)


def _paired_tests_table(comparison):
    """Each seed's paired tests, one row per pair and seed."""
    frames = [c.pairs.assign(random_state=seed)
              for c, seed in zip(comparison.comparisons, comparison.random_states)]
    table = pd.concat(frames, ignore_index=True)
    return table[["random_state", *frames[0].columns]]


def _write_tables(staging, results, comparison, per_class_rows, searches):
    """Every CSV table of the study into ``staging``; returns the summary table."""
    summary = _summary_table(results)
    _write_csv(summary, staging / "comparison.csv")
    _write_csv(_seeds_table(results), staging / "seeds.csv", index=False)
    _write_csv(_paired_tests_table(comparison), staging / "paired_tests.csv", index=False)
    _write_csv(pd.DataFrame(per_class_rows), staging / "per_class.csv", index=False)
    for key, entry in results.items():
        frame = pd.DataFrame(entry["per_class"]).T
        frame.index.name = "class"
        _write_csv(frame, staging / f"classification_report_{key}.csv")
    if searches.grid_table is not None:
        _write_csv(searches.grid_table, staging / "grid_results.csv", index=False)
    if searches.optuna_table is not None:
        _write_csv(searches.optuna_table, staging / "optuna_trials.csv", index=False)
    if searches.cv_table is not None:
        _write_csv(searches.cv_table, staging / "cross_validation.csv")
    return summary
