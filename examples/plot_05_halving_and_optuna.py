"""
================================
Successive halving and Optuna
================================

Two searches that spend less than a full grid: successive halving with epochs
as the resource, and Optuna with per-epoch pruning.
"""

# %%
import os
import time

import optuna
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingGridSearchCV

from fmnist_estimators import make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist
from fmnist_estimators.model_selection import (
    cnn_search_space,
    holdout_split,
    optuna_results_table,
    search_results_table,
    tune_with_optuna,
)

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))

X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
X, y = X[:N_TRAIN], y[:N_TRAIN]
cv = [holdout_split(y, validation_fraction=0.1, random_state=0)]

# %%
# Successive halving
# ------------------
# Every candidate first trains for one epoch; the better half continues with
# twice as many. ``resource="epochs"`` makes the estimator's ``epochs``
# parameter the budget.
halving = HalvingGridSearchCV(
    make_recipe("seed-ann", validation_fraction=0.0, random_state=0),
    {"learning_rate": [3e-3, 1e-3, 3e-4], "batch_size": [64, 128]},
    resource="epochs", min_resources=1, max_resources=2, factor=2, cv=cv, refit=False,
)
start = time.perf_counter()
halving.fit(X, y)
print(f"halving search in {time.perf_counter() - start:.1f} s; best {halving.best_params_}")
search_results_table(halving)[
    ["iter", "learning_rate", "batch_size", "epochs", "mean_score", "mean_fit_time", "rank"]
].round({"mean_fit_time": 2})

# %%
# Optuna with pruning
# -------------------
# :func:`~fmnist_estimators.model_selection.tune_with_optuna` samples the
# parameters of each trial from a search space (here learning rate, batch
# size, dropout and layer widths) and reports the validation accuracy after
# every epoch, so that the median pruner stops trials that fall behind. Half
# of the images keep this CNN search quick; the study command searches its whole
# training set.
optuna.logging.set_verbosity(optuna.logging.WARNING)
start = time.perf_counter()
X_half, y_half = X[: N_TRAIN // 2], y[: N_TRAIN // 2]
study = tune_with_optuna(
    make_recipe("seed-cnn", epochs=2), cnn_search_space, X_half, y_half,
    n_trials=4, random_state=0,
)
print(f"{len(study.trials)} trials in {time.perf_counter() - start:.1f} s")
print("best parameters:", study.best_trial.user_attrs["params"])
table = optuna_results_table(study).set_index("trial")
table = table.round({"learning_rate": 5, "dropout": 2})
# Spaces in the column names let the headers wrap on a narrow page.
table.rename(columns=lambda name: name.replace("_", " "))

# %%
# The validation accuracy of each trial, in the order they ran:
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

table = optuna_results_table(study).sort_values("trial")
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.plot(table["trial"], table["validation_accuracy"], "o-")
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.set_xlabel("trial")
ax.set_ylabel("best validation accuracy")
plt.show()
