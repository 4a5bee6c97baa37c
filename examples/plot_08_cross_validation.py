"""
=======================
Cross-validation report
=======================

scikit-learn's ``cross_validate`` works on the Keras estimators as on any
classifier; :func:`~fmnist_estimators.model_selection.cross_validation_report`
puts the results of several models side by side as mean ± standard deviation.
"""

# %%
import os

from sklearn.model_selection import StratifiedKFold, cross_validate

from fmnist_estimators import make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist
from fmnist_estimators.model_selection import cross_validation_report

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))

X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
X, y = X[:N_TRAIN], y[:N_TRAIN]

# %%
# Three stratified folds, four epochs per fit, two metrics; the estimators'
# default networks.
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
scoring = ["accuracy", "neg_log_loss"]
results = {
    "ANN": cross_validate(make_recipe("ann", epochs=4, random_state=0), X, y,
                          cv=cv, scoring=scoring),
    "CNN": cross_validate(make_recipe("cnn", epochs=4, random_state=0), X, y,
                          cv=cv, scoring=scoring),
}
report = cross_validation_report(results)
report.iloc[:, :4]

# %%
# The numeric ``mean`` and ``std`` columns are there for sorting and plotting:
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(5, 2), layout="constrained")
ax.errorbar(report["accuracy mean"], report.index, xerr=report["accuracy std"],
            fmt="o", capsize=4)
ax.margins(y=0.4)
ax.set_xlabel("cross-validated accuracy (mean ± std over 3 folds)")
plt.show()
