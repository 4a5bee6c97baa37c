"""Every pair of models on one test set: intervals, paired tests and verdicts."""

import dataclasses
import itertools

import numpy as np
import pandas as pd

from ._calibration import brier_score, expected_calibration_error
from ._checks import check_alpha, check_confidence_level, check_labels_pair
from ._intervals import accuracy_interval, bootstrap_interval
from ._paired import holm_correction, mcnemar_test, paired_accuracy_difference


def format_p_value(p_value):
    """A p-value with two significant digits: ``0.41``, ``0.00096``, ``3.2e-12``.

    Parameters
    ----------
    p_value : float
        In [0, 1].

    Returns
    -------
    text : str
        ``"< 1e-300"`` for a p-value that underflowed to 0.

    Examples
    --------
    >>> from fmnist_estimators.metrics import format_p_value
    >>> format_p_value(0.4123), format_p_value(0.000962), format_p_value(3.2e-12)
    ('0.41', '0.00096', '3.2e-12')
    """
    if p_value == 0:
        return "< 1e-300"
    return f"{p_value:.2g}"


def _level(alpha):
    return f"{alpha * 100:g}%"


@dataclasses.dataclass(frozen=True)
class ModelComparison:
    """Test-set scores of several models and the paired test of every pair.

    Returned by :func:`compare_models`; not meant to be built by hand.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per model (index ``model``): ``accuracy`` with
        ``accuracy_low`` and ``accuracy_high`` (exact interval),
        ``macro_f1`` with its bootstrap interval and, when probabilities were
        given, ``log_loss`` with its bootstrap interval, ``brier`` and
        ``ece``.
    pairs : pandas.DataFrame
        One row per pair of models, in the order the models were given:
        ``model_a``, ``model_b``, ``accuracy_a``, ``accuracy_b``,
        ``difference`` (A - B) with ``difference_low`` and
        ``difference_high``, the discordant counts ``b`` (only A right) and
        ``c`` (only B right), McNemar's ``p_value``, its Holm-adjusted
        ``p_value_holm`` (over all pairs), ``significant``
        (``p_value_holm < alpha``), ``winner`` (None unless significant) and
        the ``verdict`` sentence.
    verdicts : list of str
        One sentence per pair, then one on the most accurate model.
    best : str or None
        The model significantly more accurate than every other one at level
        ``alpha``; None when there is no such model.
    tied : list of str
        The most accurate model and every model not significantly less
        accurate than it: the models tied for first place (``[best]`` when
        there is a best model).
    alpha : float
        Level of the tests.
    confidence_level : float
        Coverage of the intervals.
    n_samples : int
        Number of test images.
    """

    scores: pd.DataFrame
    pairs: pd.DataFrame
    verdicts: list
    best: object
    tied: list
    alpha: float
    confidence_level: float
    n_samples: int

    def pair(self, model_a, model_b):
        """The test of ``model_a`` against ``model_b``, oriented as asked.

        Parameters
        ----------
        model_a, model_b : str
            Names of two compared models, in either order.

        Returns
        -------
        row : dict
            A row of :attr:`pairs`, with the difference, its interval and the
            discordant counts flipped when the pair was stored as
            ``(model_b, model_a)``.
        """
        for row in self.pairs.to_dict(orient="records"):
            if (row["model_a"], row["model_b"]) == (model_a, model_b):
                return row
            if (row["model_a"], row["model_b"]) == (model_b, model_a):
                return {
                    **row, "model_a": model_a, "model_b": model_b,
                    "accuracy_a": row["accuracy_b"], "accuracy_b": row["accuracy_a"],
                    "difference": -row["difference"],
                    "difference_low": -row["difference_high"],
                    "difference_high": -row["difference_low"],
                    "b": row["c"], "c": row["b"],
                }
        raise KeyError(
            f"No comparison of {model_a!r} with {model_b!r}; models: {list(self.scores.index)}."
        )

    def to_dict(self):
        """Everything as JSON-ready Python types (intervals as ``[low, high]``).

        Returns
        -------
        results : dict
            ``alpha``, ``confidence_level``, ``n_samples``, ``test``,
            ``scores`` (model name to its figures, each interval as
            ``<metric>_ci``), ``pairs`` (a list of dicts), ``verdicts``,
            ``best`` and ``tied``.
        """
        scores = {}
        for model, row in self.scores.iterrows():
            entry = {}
            for column in self.scores.columns:
                if column.endswith(("_low", "_high")):
                    continue
                entry[column] = float(row[column])
                if f"{column}_low" in self.scores.columns:
                    entry[f"{column}_ci"] = [float(row[f"{column}_low"]),
                                             float(row[f"{column}_high"])]
            scores[model] = entry
        pairs = []
        for row in self.pairs.to_dict(orient="records"):
            pairs.append({
                "model_a": row["model_a"], "model_b": row["model_b"],
                "accuracy_difference": float(row["difference"]),
                "accuracy_difference_ci": [float(row["difference_low"]),
                                           float(row["difference_high"])],
                "only_a_correct": int(row["b"]), "only_b_correct": int(row["c"]),
                "mcnemar_p_value": float(row["p_value"]),
                "holm_p_value": float(row["p_value_holm"]),
                "significant": bool(row["significant"]),
                "winner": row["winner"],
                "verdict": row["verdict"],
            })
        return {
            "alpha": self.alpha, "confidence_level": self.confidence_level,
            "n_samples": self.n_samples,
            "test": "McNemar's exact test on the same test images, Holm-adjusted over "
                    "all pairs; paired bootstrap interval of the accuracy difference",
            "scores": scores, "pairs": pairs, "verdicts": list(self.verdicts),
            "best": self.best, "tied": list(self.tied),
        }

    def __str__(self):
        return "\n".join(self.verdicts)


def p_equals(p_value):
    """``"p = 0.41"``, or ``"p < 1e-300"`` for a p-value that underflowed."""
    text = format_p_value(p_value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _pair_verdict(row, n_pairs, alpha):
    p_text = f"McNemar {p_equals(row['p_value'])}"
    if n_pairs > 1:
        p_text += f", Holm-adjusted {p_equals(row['p_value_holm'])}"
    a, b = row["model_a"], row["model_b"]
    diff, low, high = row["difference"], row["difference_low"], row["difference_high"]
    if row["winner"] == b:
        a, b, diff, low, high = b, a, -diff, -high, -low
    if row["winner"] is not None:
        return f"{a} more accurate than {b}: {diff:+.4f} [{low:+.4f}, {high:+.4f}], {p_text}"
    return (f"No significant difference between {a} and {b} at the {_level(alpha)} level: "
            f"{a} - {b} = {diff:+.4f} [{low:+.4f}, {high:+.4f}], {p_text}")


def _ranking(names, accuracy, pairs, alpha):
    """The best model (or None) and the models tied for first place."""
    top = names[int(np.argmax([accuracy[name] for name in names]))]
    tied = [top]
    for row in pairs.to_dict(orient="records"):
        if top in (row["model_a"], row["model_b"]) and not row["significant"]:
            tied.append(row["model_b"] if row["model_a"] == top else row["model_a"])
    tied = [name for name in names if name in tied]
    best = top if len(tied) == 1 else None
    level = f"At the {_level(alpha)} level (McNemar's exact test"
    level += ", Holm-adjusted over all pairs)" if len(pairs) > 1 else ")"
    if best is not None:
        sentence = (f"{level}, {best} is the most accurate model: it is significantly "
                    "more accurate than every other model.")
    else:
        listed = ", ".join(tied[:-1]) + f" and {tied[-1]}"
        sentence = (f"{level}, no model is significantly more accurate than all the "
                    f"others: {listed} are tied for the highest accuracy.")
    return best, tied, sentence


def compare_models(y_true, y_pred, *, y_proba=None, labels=None, alpha=0.05,
                   confidence_level=0.95, n_resamples=1000, random_state=0, n_bins=15):
    """Compare classifiers on the same test images, with verdicts from tests.

    For every model: accuracy with its exact interval, macro-F1 (and, given
    probabilities, log loss) with a bootstrap interval, the Brier score and
    the expected calibration error. For every pair: the paired accuracy
    difference with a paired bootstrap interval and McNemar's exact test,
    Holm-adjusted over the pairs. A verdict says "more accurate" only where
    the adjusted p-value is below ``alpha``; otherwise it says there is no
    significant difference. A best model is named only when it is
    significantly more accurate than every other one; otherwise the models
    are tied.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the test images.
    y_pred : dict of str to array-like of shape (n_samples,)
        Model name to its predicted labels, for the same images; at least one
        model. Pairs are formed in this order.
    y_proba : dict of str to array-like of shape (n_samples, n_classes), \
default=None
        Model name to its predicted probabilities, for the same models as
        ``y_pred``; adds log loss, Brier score and ECE.
    labels : array-like of shape (n_classes,), default=None
        The classes, in the order of the probability columns (e.g.
        ``estimator.classes_``); by default the sorted labels of ``y_true``
        (for macro-F1, of ``y_true`` and the predictions).
    alpha : float, default=0.05
        Level of the tests, after Holm's correction.
    confidence_level : float, default=0.95
        Coverage of every interval.
    n_resamples : int, default=1000
        Bootstrap resamples of every bootstrap interval.
    random_state : int, default=0
        Seed of the bootstrap; every model and pair uses the same resamples.
    n_bins : int, default=15
        Confidence bins of the expected calibration error.

    Returns
    -------
    comparison : ModelComparison
        ``scores``, ``pairs``, ``verdicts``, ``best`` and ``tied``.

    See Also
    --------
    mcnemar_test, paired_accuracy_difference, holm_correction,
    accuracy_interval, bootstrap_interval

    Notes
    -----
    The tests treat the test images as the random sample and each model as
    fixed: they say whether these trained models differ on images like
    these, not whether their training procedures would differ on another
    training run (Dietterich, 1998). Train several seeds for that.

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators.metrics import compare_models
    >>> rng = np.random.default_rng(0)
    >>> y_true = rng.integers(0, 10, size=2000)
    >>> def noisy(accuracy):
    ...     wrong = rng.random(2000) > accuracy
    ...     return np.where(wrong, (y_true + 1) % 10, y_true)
    >>> comparison = compare_models(
    ...     y_true, {"A": noisy(0.9), "B": noisy(0.8), "C": noisy(0.8)})
    >>> comparison.best
    'A'
    >>> print(comparison.verdicts[0])  # doctest: +ELLIPSIS
    A more accurate than B: +0.1... [+0.0..., +0.1...], McNemar p = ...
    """
    alpha = check_alpha(alpha)
    confidence_level = check_confidence_level(confidence_level)
    if not isinstance(y_pred, dict) or not y_pred:
        raise TypeError(
            "y_pred must be a non-empty dict of model name to predicted labels, got "
            f"{type(y_pred).__name__}."
        )
    names = list(y_pred)
    y_true = np.asarray(y_true)
    predictions = {}
    for name in names:
        _, predictions[name] = check_labels_pair(y_true, y_pred[name], name=f"y_pred[{name!r}]")
    if y_proba is not None and set(y_proba) != set(names):
        raise ValueError(
            f"y_proba must have the same models as y_pred: {sorted(names)}, got "
            f"{sorted(y_proba)}."
        )
    boot = {"confidence_level": confidence_level, "n_resamples": n_resamples,
            "random_state": random_state}
    rows = {}
    for name in names:
        accuracy = accuracy_interval(y_true, predictions[name], confidence_level=confidence_level)
        f1 = bootstrap_interval("macro_f1", y_true, predictions[name], labels=labels, **boot)
        row = {"accuracy": accuracy.estimate, "accuracy_low": accuracy.low,
               "accuracy_high": accuracy.high, "macro_f1": f1.estimate,
               "macro_f1_low": f1.low, "macro_f1_high": f1.high}
        if y_proba is not None:
            loss = bootstrap_interval("log_loss", y_true, y_proba[name], labels=labels, **boot)
            row.update(
                log_loss=loss.estimate, log_loss_low=loss.low, log_loss_high=loss.high,
                brier=brier_score(y_true, y_proba[name], labels=labels),
                ece=expected_calibration_error(y_true, y_proba[name], labels=labels,
                                               n_bins=n_bins),
            )
        rows[name] = row
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores.index.name = "model"

    records = []
    for a, b in itertools.combinations(names, 2):
        test = mcnemar_test(y_true, predictions[a], predictions[b])
        diff = paired_accuracy_difference(y_true, predictions[a], predictions[b], **boot)
        records.append({
            "model_a": a, "model_b": b, "accuracy_a": rows[a]["accuracy"],
            "accuracy_b": rows[b]["accuracy"], "difference": diff.estimate,
            "difference_low": diff.low, "difference_high": diff.high,
            "b": test.b, "c": test.c, "p_value": test.p_value,
        })
    columns = ["model_a", "model_b", "accuracy_a", "accuracy_b", "difference",
               "difference_low", "difference_high", "b", "c", "p_value", "p_value_holm",
               "significant", "winner", "verdict"]
    pairs = pd.DataFrame.from_records(records, columns=columns[:10])
    pairs["p_value_holm"] = holm_correction(pairs["p_value"]) if records else []
    pairs["significant"] = pairs["p_value_holm"] < alpha
    winners = [
        None if not row.significant else (row.model_a if row.difference > 0 else row.model_b)
        for row in pairs.itertuples()
    ]
    pairs["winner"] = pd.Series(winners, index=pairs.index, dtype=object)
    pairs["verdict"] = [
        _pair_verdict({**row, "winner": winner}, len(records), alpha)
        for row, winner in zip(pairs.to_dict(orient="records"), winners)
    ]
    verdicts = list(pairs["verdict"])
    if len(names) > 1:
        accuracies = {name: rows[name]["accuracy"] for name in names}
        best, tied, sentence = _ranking(names, accuracies, pairs, alpha)
        verdicts.append(sentence)
    else:
        best, tied = None, list(names)
    return ModelComparison(scores, pairs, verdicts, best, tied, alpha, confidence_level,
                           len(y_true))
