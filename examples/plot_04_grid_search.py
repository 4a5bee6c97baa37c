"""
===============================
The seed's grid: GridSearchCV
===============================

The notebook compares two learning rates and two batch sizes on a validation
hold-out. Here the same 2x2 grid runs as a ``GridSearchCV`` whose single split
is :func:`~fmnist_estimators.model_selection.holdout_split`, the hold-out the
estimators themselves use.
"""

# %%
import os
import time

from sklearn.model_selection import GridSearchCV

from fmnist_estimators import SearchHeatmapDisplay, make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist
from fmnist_estimators.model_selection import holdout_split, search_results_table

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))

X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
X, y = X[:N_TRAIN], y[:N_TRAIN]

# %%
# One split: train on 90%, score on the same 10% for every candidate. Each
# candidate trains on the whole training part (``validation_fraction=0``).
cv = [holdout_split(y, validation_fraction=0.1, random_state=0)]
grid = {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}
search = GridSearchCV(
    make_recipe("seed-cnn", epochs=1, validation_fraction=0.0, random_state=0),
    grid,
    cv=cv,
    refit=False,
)
start = time.perf_counter()
search.fit(X, y)
print(f"4 candidates in {time.perf_counter() - start:.1f} s")
print("best:", search.best_params_, f"{search.best_score_:.3f}")

# %%
# A tidy table of the candidates, best first:
search_results_table(search)

# %%
# And the grid as a heatmap:
display = SearchHeatmapDisplay.from_search(
    search, x_param="batch_size", y_param="learning_rate"
)
