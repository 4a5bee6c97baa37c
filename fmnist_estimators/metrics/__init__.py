"""Statistics to compare classifiers on a test set, usable on any model.

Confidence intervals for test metrics (exact for accuracy, a seeded bootstrap
for the others), McNemar's exact test and the paired accuracy difference for
two classifiers on the same test images, Holm's correction for several
comparisons, :func:`compare_models` for verdicts that follow from the tests,
:func:`combine_comparisons` for verdicts over several training seeds,
and calibration measures (expected calibration error, reliability diagram
data, multiclass Brier score). Built on :mod:`scipy.stats` and
:mod:`sklearn.metrics`; nothing here needs Keras.
"""

from ._calibration import brier_score, expected_calibration_error, reliability_table
from ._comparison import ModelComparison, compare_models, format_p_value
from ._confusion import most_confused_pairs
from ._intervals import Interval, accuracy_interval, bootstrap_interval
from ._paired import (
    McNemarResult,
    holm_correction,
    mcnemar_test,
    paired_accuracy_difference,
)
from ._seeds import CombinedComparison, combine_comparisons

__all__ = [
    "CombinedComparison",
    "Interval",
    "McNemarResult",
    "ModelComparison",
    "accuracy_interval",
    "bootstrap_interval",
    "brier_score",
    "combine_comparisons",
    "compare_models",
    "expected_calibration_error",
    "format_p_value",
    "holm_correction",
    "mcnemar_test",
    "most_confused_pairs",
    "paired_accuracy_difference",
    "reliability_table",
]
