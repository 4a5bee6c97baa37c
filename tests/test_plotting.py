"""The Display-style plotting helpers."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from fmnist_estimators import (
    ANNClassifier,
    MisclassifiedImagesDisplay,
    SearchHeatmapDisplay,
    TrainingHistoryDisplay,
)

HISTORY = {
    "loss": [0.9, 0.6, 0.5],
    "accuracy": [0.7, 0.8, 0.85],
    "val_loss": [0.8, 0.65, 0.6],
    "val_accuracy": [0.72, 0.79, 0.81],
}


def test_training_history_display(close_figures):
    display = TrainingHistoryDisplay(HISTORY, name="CNN").plot()
    assert display.ax_.shape == (2,)
    assert len(display.lines_) == 4
    np.testing.assert_allclose(display.lines_[1].get_ydata(), HISTORY["val_accuracy"])
    assert display.lines_[0].get_label() == "CNN train"
    other = TrainingHistoryDisplay({"loss": [1, 0.5], "accuracy": [0.5, 0.6]}, name="ANN")
    other.plot(ax=display.ax_)
    assert other.figure_ is display.figure_
    assert len(display.ax_[0].get_lines()) == 3


def test_training_history_display_errors(close_figures):
    with pytest.raises(ValueError, match="history has no"):
        TrainingHistoryDisplay(HISTORY).plot(metrics=("auc",))
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="Expected 2 axes"):
        TrainingHistoryDisplay(HISTORY).plot(ax=ax)


def test_misclassified_images_from_predictions(close_figures, fashion_test, target_names):
    X, y = fashion_test
    X, y = X[:50], y[:50]
    proba = np.full((50, 10), 0.01)
    wrong = (y + 1) % 10
    proba[np.arange(50), wrong] = np.linspace(0.2, 0.9, 50)  # the last ones most confident
    proba[:40, :] = 0.01
    proba[np.arange(40), y[:40]] = 0.9  # the first 40 are right
    display = MisclassifiedImagesDisplay.from_predictions(
        X, y, proba, classes=np.arange(10), image_shape=(28, 28), n_images=5,
        target_names=target_names,
    )
    np.testing.assert_array_equal(display.y_true, y[[49, 48, 47, 46, 45]])
    assert np.all(np.diff(display.confidence) <= 0)
    assert display.images.shape == (5, 28, 28)
    assert f"true: {target_names[y[49]]}" in display.ax_[0].get_title()


def test_search_heatmap_display(close_figures, fashion_train):
    X, y = fashion_train
    search = GridSearchCV(
        ANNClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0),
        {"learning_rate": [1e-3, 1e-2], "batch_size": [32, 64]}, cv=2,
    ).fit(X[:300], y[:300])
    display = SearchHeatmapDisplay.from_search(search, x_param="batch_size", y_param="learning_rate")
    assert display.scores.shape == (2, 2)
    assert list(display.scores.columns) == [32, 64]
    texts = [t.get_text() for t in display.ax_.texts]
    best = search.cv_results_["mean_test_score"].max()
    assert f"{best:.4f}" in texts
