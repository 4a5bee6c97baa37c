"""The statistics of fmnist_estimators.metrics against hand values and simulation."""

import json
from functools import partial

import numpy as np
import pytest
import sklearn
from sklearn.metrics import accuracy_score, f1_score, log_loss

from fmnist_estimators.metrics import (
    accuracy_interval,
    bootstrap_interval,
    brier_score,
    combine_comparisons,
    compare_models,
    expected_calibration_error,
    format_p_value,
    holm_correction,
    mcnemar_test,
    most_confused_pairs,
    paired_accuracy_difference,
    reliability_table,
)


def paired_predictions(both, only_a, only_b, neither):
    """Labels of two classifiers with the given agreement counts (truth is all 0)."""
    y_true = np.zeros(both + only_a + only_b + neither, dtype=int)
    a = np.r_[np.zeros(both + only_a), np.ones(only_b + neither)].astype(int)
    b = np.r_[np.zeros(both), np.ones(only_a), np.zeros(only_b), np.ones(neither)].astype(int)
    return y_true, a, b


# ------------------------------------------------------------------ intervals
def test_accuracy_interval_is_clopper_pearson():
    # 80 right of 100: the exact 95% interval is [0.7082, 0.8733] (R's binom.test).
    estimate, low, high, level, method = accuracy_interval([1] * 100, [1] * 80 + [0] * 20)
    assert estimate == 0.8 and level == 0.95 and method == "clopper-pearson"
    np.testing.assert_allclose([low, high], [0.70816, 0.87334], atol=5e-5)
    # A higher level gives a wider interval around the same estimate.
    wide = accuracy_interval([1] * 100, [1] * 80 + [0] * 20, confidence_level=0.99)
    assert wide.low < low and wide.high > high


def test_accuracy_interval_covers_the_true_accuracy_by_simulation():
    # 2,000 simulated test sets of 500 images from a classifier of accuracy 0.8.
    rng = np.random.default_rng(0)
    n, accuracy = 500, 0.8
    covered, widths, intervals = 0, [], {}
    for n_right in rng.binomial(n, accuracy, size=2000):
        if n_right not in intervals:
            y_pred = np.r_[np.ones(n_right), np.zeros(n - n_right)]
            intervals[n_right] = accuracy_interval(np.ones(n), y_pred)
        interval = intervals[n_right]
        covered += interval.low <= accuracy <= interval.high
        widths.append(interval.high - interval.low)
    assert covered / 2000 >= 0.90
    # Not covering by being uselessly wide: about 2 * 1.96 * sqrt(0.16 / 500).
    assert np.mean(widths) < 0.08


def test_bootstrap_interval_covers_the_true_accuracy_by_simulation():
    rng = np.random.default_rng(1)
    n, accuracy, n_sets = 400, 0.85, 300
    covered = 0
    for seed in range(n_sets):
        right = rng.random(n) < accuracy
        interval = bootstrap_interval(
            "accuracy", np.ones(n), right.astype(float), n_resamples=400, random_state=seed
        )
        covered += interval.low <= accuracy <= interval.high
    assert covered / n_sets >= 0.90


def test_paired_difference_covers_the_true_difference_by_simulation():
    # Per image: both right 0.78, only A 0.08, only B 0.05, both wrong 0.09,
    # so accuracy(A) - accuracy(B) = 0.03.
    rng = np.random.default_rng(2)
    n, n_sets, covered = 1000, 300, 0
    for seed in range(n_sets):
        counts = rng.multinomial(n, [0.78, 0.08, 0.05, 0.09])
        y_true, a, b = paired_predictions(*counts)
        interval = paired_accuracy_difference(y_true, a, b, n_resamples=400, random_state=seed)
        covered += interval.low <= 0.03 <= interval.high
    assert covered / n_sets >= 0.90


def test_named_metrics_equal_scikit_learn_and_the_callable_path():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 4, size=300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, size=300))
    y_proba = rng.dirichlet(np.ones(4), size=300).astype(np.float32)
    y_proba[0] = [1.0, 0.0, 0.0, 0.0]  # a zero probability, clipped as log_loss clips
    labels = np.arange(4)
    for name, metric, score in [
        ("accuracy", accuracy_score, y_pred),
        ("macro_f1", partial(f1_score, average="macro", labels=labels, zero_division=0),
         y_pred),
        ("log_loss", partial(log_loss, labels=labels), y_proba),
    ]:
        fast = bootstrap_interval(name, y_true, score, labels=labels, n_resamples=100)
        slow = bootstrap_interval(metric, y_true, score, n_resamples=100)
        np.testing.assert_allclose(fast.estimate, metric(y_true, score), rtol=1e-6)
        # Same seed, same resamples: the same interval by either path.
        np.testing.assert_allclose([fast.low, fast.high], [slow.low, slow.high], rtol=1e-6)
        assert fast.low <= fast.estimate <= fast.high


def test_macro_f1_counts_an_absent_class_as_zero():
    # Class 2 is in labels but neither true nor predicted: scikit-learn scores it 0.
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])
    fast = bootstrap_interval("macro_f1", y_true, y_pred, labels=[0, 1, 2], n_resamples=10)
    assert fast.estimate == pytest.approx(
        f1_score(y_true, y_pred, labels=[0, 1, 2], average="macro", zero_division=0)
    )


def test_bootstrap_is_seeded():
    y_true = np.arange(50) % 3
    y_pred = np.roll(y_true, 1) * (np.arange(50) % 4 == 0) + y_true * (np.arange(50) % 4 != 0)
    first = bootstrap_interval("macro_f1", y_true, y_pred, random_state=5)
    assert first == bootstrap_interval("macro_f1", y_true, y_pred, random_state=5)
    assert first != bootstrap_interval("macro_f1", y_true, y_pred, random_state=6)


# ------------------------------------------------------------- paired tests
def test_mcnemar_against_a_hand_computed_value():
    # b = 10, c = 2: p = 2 * P(X <= 2), X ~ Binomial(12, 1/2) = 2 * 79 / 4096.
    y_true, a, b = paired_predictions(both=50, only_a=10, only_b=2, neither=8)
    result = mcnemar_test(y_true, a, b)
    assert (result.b, result.c) == (10, 2)
    assert result.p_value == pytest.approx(158 / 4096)
    swapped = mcnemar_test(y_true, b, a)
    assert (swapped.b, swapped.c, swapped.p_value) == (2, 10, result.p_value)


def test_mcnemar_without_disagreement_is_one():
    y_true, a, b = paired_predictions(both=5, only_a=0, only_b=0, neither=3)
    assert mcnemar_test(y_true, a, b) == (0, 0, 1.0)


def test_paired_difference_estimate():
    y_true, a, b = paired_predictions(both=70, only_a=20, only_b=5, neither=5)
    interval = paired_accuracy_difference(y_true, a, b)
    assert interval.estimate == pytest.approx(0.15)
    assert 0 < interval.low < 0.15 < interval.high
    assert interval.method.startswith("paired bootstrap")


def test_holm_against_a_hand_example():
    # Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 -> 0.06.
    adjusted = holm_correction([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm_correction([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_allclose(holm_correction([0.2]), [0.2])


def test_holm_rejects_values_that_are_not_p_values():
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        holm_correction([0.1, 1.5])


# -------------------------------------------------------------- calibration
CAL_TRUE = np.array([0, 1, 2, 2, 0])
CAL_PROBA = np.array([
    [0.70, 0.20, 0.10],  # confidence 0.70, right
    [0.50, 0.40, 0.10],  # confidence 0.50, wrong
    [0.10, 0.10, 0.80],  # confidence 0.80, right
    [0.05, 0.05, 0.90],  # confidence 0.90, right
    [0.30, 0.60, 0.10],  # confidence 0.60, wrong
])


def test_reliability_table_by_hand():
    table = reliability_table(CAL_TRUE, CAL_PROBA, n_bins=4)
    # Bins (0, .25], (.25, .5], (.5, .75], (.75, 1].
    assert table["count"].tolist() == [0, 1, 2, 2]
    np.testing.assert_allclose(table["mean_confidence"][1:], [0.5, 0.65, 0.85])
    np.testing.assert_allclose(table["accuracy"][1:], [0.0, 0.5, 1.0])
    assert np.isnan(table["accuracy"][0])


def test_expected_calibration_error_by_hand():
    # (1 * |0 - 0.5| + 2 * |0.5 - 0.65| + 2 * |1 - 0.85|) / 5 = 0.22
    ece = expected_calibration_error(CAL_TRUE, CAL_PROBA, n_bins=4)
    assert ece == pytest.approx(0.22)
    perfect = np.eye(3)[CAL_TRUE]
    assert expected_calibration_error(CAL_TRUE, perfect) == 0


def test_brier_score_by_hand():
    # Sample 1: 0.3**2 + 0.2**2 + 0.1**2 = 0.14; sample 2: 0.5**2 + 0.6**2 + 0.1**2.
    assert brier_score(CAL_TRUE, CAL_PROBA) == pytest.approx(
        (0.14 + 0.62 + 0.06 + 0.015 + 0.86) / 5
    )


@pytest.mark.skipif(
    tuple(int(x) for x in sklearn.__version__.split(".")[:2]) < (1, 7),
    reason="multiclass brier_score_loss is in scikit-learn 1.7 and later",
)
def test_brier_score_equals_scikit_learn():
    from sklearn.metrics import brier_score_loss

    assert brier_score(CAL_TRUE, CAL_PROBA) == pytest.approx(
        brier_score_loss(CAL_TRUE, CAL_PROBA)
    )


def test_labels_name_the_probability_columns():
    y_true = np.array(["b", "a"])
    proba = np.array([[0.2, 0.8], [0.9, 0.1]])  # columns: a, b
    assert brier_score(y_true, proba) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="3 columns but there are 2 labels"):
        brier_score(y_true, np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="not among labels"):
        brier_score(y_true, proba, labels=["a", "c"])


def test_most_confused_pairs_counts_both_directions():
    y_true = [0, 0, 0, 1, 1, 2, 2, 2]
    y_pred = [1, 1, 0, 0, 1, 2, 0, 2]
    pairs = most_confused_pairs(y_true, y_pred, target_names=["T-shirt", "Shirt", "Coat"])
    assert pairs.to_dict(orient="records") == [
        {"class_a": "T-shirt", "class_b": "Shirt", "a_as_b": 2, "b_as_a": 1, "total": 3},
        {"class_a": "T-shirt", "class_b": "Coat", "a_as_b": 0, "b_as_a": 1, "total": 1},
    ]


# ------------------------------------------------------------------ verdicts
def test_significant_difference_names_the_better_model_first():
    y_true, a, b = paired_predictions(both=800, only_a=120, only_b=30, neither=50)
    comparison = compare_models(y_true, {"A": a, "B": b})
    row = comparison.pair("A", "B")
    assert row["significant"] and row["winner"] == "A"
    assert row["b"] == 120 and row["c"] == 30
    assert comparison.verdicts[0].startswith("A more accurate than B: +0.0900 [")
    assert "McNemar p = " in comparison.verdicts[0]
    assert "Holm" not in comparison.verdicts[0]  # one pair: nothing to correct
    assert comparison.best == "A" and comparison.tied == ["A"]
    assert "A is the most accurate model" in comparison.verdicts[-1]


def test_significant_difference_in_the_other_direction():
    y_true, a, b = paired_predictions(both=800, only_a=30, only_b=120, neither=50)
    comparison = compare_models(y_true, {"A": a, "B": b})
    assert comparison.pairs.loc[0, "difference"] == pytest.approx(-0.09)
    assert comparison.pairs.loc[0, "winner"] == "B"
    assert comparison.verdicts[0].startswith("B more accurate than A: +0.0900 [")
    # The stored row is A vs B; asked the other way round it is flipped.
    flipped = comparison.pair("B", "A")
    assert flipped["difference"] == pytest.approx(0.09) and flipped["b"] == 120
    assert comparison.best == "B"


@pytest.mark.parametrize("only_a, only_b", [(8, 5), (5, 8)])
def test_a_higher_accuracy_that_is_not_significant_is_a_tie(only_a, only_b):
    y_true, a, b = paired_predictions(both=900, only_a=only_a, only_b=only_b, neither=87)
    comparison = compare_models(y_true, {"A": a, "B": b})
    verdict = comparison.verdicts[0]
    assert not comparison.pairs.loc[0, "significant"]
    assert comparison.pairs.loc[0, "winner"] is None
    assert verdict.startswith("No significant difference between A and B at the 5% level")
    assert "more accurate than" not in verdict and "p = 0.58" in verdict
    assert comparison.best is None and comparison.tied == ["A", "B"]
    assert "A and B are tied" in comparison.verdicts[-1]


def test_holm_correction_can_turn_a_verdict():
    # b = 15, c = 5: p = 0.041, significant alone ...
    y_true, a, b = paired_predictions(both=900, only_a=15, only_b=5, neither=80)
    assert compare_models(y_true, {"A": a, "B": b}).pairs.loc[0, "significant"]
    # ... but not after Holm's correction over three pairs (0.041 x 3 > 0.05).
    comparison = compare_models(y_true, {"A": a, "B": b, "C": b.copy()})
    row = comparison.pair("A", "B")
    assert row["p_value"] == pytest.approx(0.0414, abs=1e-4)
    assert row["p_value_holm"] == pytest.approx(3 * row["p_value"])
    assert not row["significant"]
    assert "Holm-adjusted p = 0.12" in row["verdict"]
    assert comparison.best is None and comparison.tied == ["A", "B", "C"]


def test_compare_models_scores_and_json(rng):
    y_true = rng.integers(0, 3, size=400)
    proba = {name: rng.dirichlet(np.ones(3), size=400) for name in ("X", "Y")}
    preds = {name: p.argmax(axis=1) for name, p in proba.items()}
    comparison = compare_models(y_true, preds, y_proba=proba, n_resamples=200)
    scores = comparison.scores
    assert list(scores.index) == ["X", "Y"]
    assert (scores["accuracy_low"] < scores["accuracy"]).all()
    assert (scores["log_loss"] < scores["log_loss_high"]).all()
    assert scores.loc["X", "log_loss"] == pytest.approx(log_loss(y_true, proba["X"]))
    result = comparison.to_dict()
    json.dumps(result)  # JSON-ready
    assert result["scores"]["X"]["accuracy_ci"] == [scores.loc["X", "accuracy_low"],
                                                    scores.loc["X", "accuracy_high"]]
    assert set(result["pairs"][0]) >= {"mcnemar_p_value", "accuracy_difference_ci",
                                       "only_a_correct", "only_b_correct"}


def test_one_model_has_no_pairs():
    comparison = compare_models([0, 1, 1], {"only": [0, 1, 0]})
    assert comparison.pairs.empty and comparison.verdicts == []
    assert comparison.best is None


# ------------------------------------------------------- verdicts over seeds
# (only A right, only B right) on 1,000 images: 120/30 is significant for A
# (p = 6e-14), 30/120 for B, 8/5 is not (p = 0.58).
A_AHEAD, B_AHEAD, TIE = (120, 30), (30, 120), (8, 5)


def seed_comparisons(*discordant):
    """One two-model comparison per seed, with the given discordant counts."""
    comparisons = []
    for only_a, only_b in discordant:
        y_true, a, b = paired_predictions(both=800, only_a=only_a, only_b=only_b,
                                          neither=200 - only_a - only_b)
        comparisons.append(compare_models(y_true, {"A": a, "B": b}, n_resamples=200))
    return comparisons


def test_significant_at_every_seed_is_significant():
    combined = combine_comparisons(seed_comparisons(A_AHEAD, A_AHEAD, A_AHEAD),
                                   random_states=[10, 11, 12])
    row = combined.pair("A", "B")
    assert row["significant"] and row["winner"] == "A"
    assert (row["a_significant"], row["b_significant"]) == (3, 0)
    assert row["difference_mean"] == pytest.approx(0.09)
    assert combined.verdicts[0].startswith(
        "A more accurate than B at every one of the 3 seeds (random_state 10, 11, 12): "
        "A - B = +0.0900, +0.0900, +0.0900; McNemar p = ")
    assert combined.best == "A" and combined.tied == ["A"]
    assert "at every seed" in combined.verdicts[-1]
    # Asked the other way round, the row is flipped, each seed's row too.
    flipped = combined.pair("B", "A")
    assert flipped["difference_mean"] == pytest.approx(-0.09)
    assert flipped["b_significant"] == 3
    assert [r["b"] for r in flipped["per_seed"]] == [30, 30, 30]


def test_significant_at_only_some_seeds_is_no_difference():
    combined = combine_comparisons(seed_comparisons(A_AHEAD, A_AHEAD, TIE))
    row = combined.pair("A", "B")
    assert not row["significant"] and row["winner"] is None
    assert (row["a_significant"], row["b_significant"]) == (2, 0)
    verdict = combined.verdicts[0]
    assert verdict.startswith("No significant difference between A and B at the 5% level")
    assert "significant at 2 of 3 seeds (A ahead), not at every seed" in verdict
    assert "more accurate than" not in verdict
    # The seed that does not reject is shown with its p-value.
    assert verdict.endswith("+0.0900, +0.0900, +0.0030; McNemar p = 6e-14, 6e-14, 0.58")
    assert combined.best is None and combined.tied == ["A", "B"]
    assert "A and B are tied for the highest mean accuracy" in combined.verdicts[-1]


def test_significant_in_opposite_directions_is_no_difference():
    combined = combine_comparisons(seed_comparisons(A_AHEAD, B_AHEAD))
    row = combined.pair("A", "B")
    assert not row["significant"] and (row["a_significant"], row["b_significant"]) == (1, 1)
    assert "significant at 2 of 2 seeds, in opposite directions" in combined.verdicts[0]
    assert combined.best is None


def test_significant_for_the_second_model_at_every_seed():
    combined = combine_comparisons(seed_comparisons(B_AHEAD, B_AHEAD))
    assert combined.pair("A", "B")["winner"] == "B"
    assert combined.verdicts[0].startswith("B more accurate than A at every one of the 2 ")
    assert "B - A = +0.0900, +0.0900" in combined.verdicts[0]
    assert combined.best == "B"


def test_holm_is_applied_at_each_seed_before_the_rule():
    # b = 15, c = 5 is significant alone (p = 0.041) but not Holm-adjusted over
    # three pairs; the combined verdict follows the adjusted p-values.
    y_true, a, b = paired_predictions(both=900, only_a=15, only_b=5, neither=80)
    alone = [compare_models(y_true, {"A": a, "B": b}, n_resamples=200)] * 2
    three = [compare_models(y_true, {"A": a, "B": b, "C": b.copy()}, n_resamples=200)] * 2
    assert combine_comparisons(alone).pair("A", "B")["significant"]
    combined = combine_comparisons(three)
    assert not combined.pair("A", "B")["significant"]
    assert "Holm-adjusted p = 0.12, 0.12" in combined.verdicts[0]


def test_one_seed_gives_the_comparison_verdicts():
    comparison = seed_comparisons(TIE)[0]
    combined = combine_comparisons([comparison])
    assert combined.verdicts == comparison.verdicts
    assert combined.best is None and combined.tied == comparison.tied
    assert np.isnan(combined.scores.loc["A", "accuracy_std"])
    assert combined.to_dict()["scores"]["A"]["accuracy_std"] is None


def test_combined_scores_and_json(rng):
    y_true = rng.integers(0, 3, size=300)
    comparisons = []
    for _ in range(3):
        proba = {name: rng.dirichlet(np.ones(3), size=300) for name in ("X", "Y")}
        comparisons.append(compare_models(
            y_true, {n: p.argmax(axis=1) for n, p in proba.items()}, y_proba=proba,
            n_resamples=100))
    combined = combine_comparisons(comparisons, random_states=[0, 1, 2])
    per_seed = [c.scores.loc["X", "log_loss"] for c in comparisons]
    assert combined.scores.loc["X", "log_loss_mean"] == pytest.approx(np.mean(per_seed))
    assert combined.scores.loc["X", "log_loss_std"] == pytest.approx(np.std(per_seed, ddof=1))
    result = combined.to_dict()
    json.dumps(result)  # JSON-ready
    assert result["n_seeds"] == 3 and "every seed" in result["rule"]
    assert [s["log_loss"] for s in result["scores"]["X"]["per_seed"]] == pytest.approx(per_seed)
    assert len(result["scores"]["X"]["per_seed"][0]["accuracy_ci"]) == 2
    seeds = result["pairs"][0]["per_seed"]
    assert [s["random_state"] for s in seeds] == [0, 1, 2]
    assert {"mcnemar_p_value", "holm_p_value", "only_a_correct"} <= set(seeds[0])


@pytest.mark.parametrize("comparisons, kwargs, message", [
    ([], {}, "non-empty list"),
    (lambda: seed_comparisons(TIE) + [compare_models([0, 1], {"A": [0, 1], "C": [0, 0]})],
     {}, "same models in the same order"),
    (lambda: seed_comparisons(TIE) + [compare_models([0, 1], {"A": [0, 1], "B": [0, 0]})],
     {}, "same test images"),
    (lambda: seed_comparisons(TIE, TIE), {"random_states": [0]}, "one seed per comparison"),
])
def test_combine_comparisons_refuses_what_cannot_be_combined(comparisons, kwargs, message):
    comparisons = comparisons() if callable(comparisons) else comparisons
    with pytest.raises((TypeError, ValueError), match=message):
        combine_comparisons(comparisons, **kwargs)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: accuracy_interval([0, 1], [0]), "same length, got 2 and 1"),
    (lambda: accuracy_interval([0, 1], [[0.5, 0.5], [1, 0]]), "not probabilities"),
    (lambda: accuracy_interval([], []), "empty"),
    (lambda: accuracy_interval([0, 1], [0, 1], confidence_level=95), "between 0 and 1"),
    (lambda: bootstrap_interval("f1", [0, 1], [0, 1]), "Unknown metric 'f1'"),
    (lambda: bootstrap_interval("accuracy", [0, 1], [0, 1], n_resamples=0), "n_resamples"),
    (lambda: compare_models([0, 1], [[0, 1]]), "dict of model name"),
    (lambda: compare_models([0, 1], {"a": [0, 1]}, alpha=5), "alpha"),
    (lambda: compare_models([0, 1], {"a": [0, 1]}, y_proba={"b": [[1, 0], [0, 1]]}),
     "same models"),
    (lambda: brier_score([0, 1], [[0.5, 0.5], [np.nan, 1]]), "probabilities in"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_format_p_value():
    assert format_p_value(0.4123) == "0.41"
    assert format_p_value(3.2e-12) == "3.2e-12"
    assert format_p_value(0.0) == "< 1e-300"
