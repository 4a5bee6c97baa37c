"""Named recipes."""

import pytest
from sklearn.base import clone

from fmnist_estimators import ANNClassifier, CNNClassifier, list_recipes, make_recipe


def test_seed_recipes_are_the_notebook_networks(fashion_train):
    X, y = fashion_train
    ann = make_recipe("seed-ann").initialize(X[:50], y[:50])
    cnn = make_recipe("seed-cnn").initialize(X[:50], y[:50])
    # Parameter counts of the notebook's Keras summaries.
    assert ann.model_.count_params() == 109_386
    assert cnn.model_.count_params() == 121_930
    for estimator in (ann, cnn):
        params = estimator.get_params()
        assert (params["learning_rate"], params["batch_size"], params["epochs"]) == (1e-3, 128, 12)
        assert params["lr_schedule"] == "constant" and params["dropout"] == 0.0
        assert not params["random_flip"] and not params["batch_normalization"]


def test_default_recipes_are_the_defaults():
    assert make_recipe("ann").get_params() == ANNClassifier().get_params()
    # Flips are the one invariance of the "cnn" recipe, assumed for Fashion-MNIST.
    assert make_recipe("cnn").get_params() == CNNClassifier(random_flip=True).get_params()
    assert not CNNClassifier().random_flip and not ANNClassifier().random_flip


def test_every_recipe_is_an_ordinary_estimator():
    for name, description in list_recipes().items():
        estimator = make_recipe(name, random_state=3)
        assert description
        assert clone(estimator).get_params()["random_state"] == 3


def test_unknown_recipe():
    with pytest.raises(ValueError, match="seed-cnn"):
        make_recipe("no-such-recipe")


def test_wide_cnn_is_the_network_measured_on_the_gpu(fashion_train):
    X, y = fashion_train
    wide = make_recipe("wide-cnn").initialize(X[:50], y[:50])
    # The parameter count of benchmarks/results/gpu.jsonl's wide-cnn runs.
    assert wide.model_.count_params() == 1_740_362
    convolutions = [layer for layer in wide.model_.layers if type(layer).__name__ == "Conv2D"]
    assert len(convolutions) == 6 and {layer.padding for layer in convolutions} == {"same"}
    # and its training: best-cnn's regularisation before it was lightened.
    params = wide.get_params()
    assert (params["dropout"], params["random_erasing"], params["weight_decay"]) == (0.4, 0.5, 0.0)
    assert (params["epochs"], params["validation_fraction"]) == (60, 0.1)


def test_best_cnn_is_the_network_measured_on_the_cpu(fashion_train):
    X, y = fashion_train
    best = make_recipe("best-cnn").initialize(X[:50], y[:50])
    # The parameter count of benchmarks/results/accuracy.jsonl's best-cnn runs.
    assert best.model_.count_params() == 543_546
    params = best.get_params()
    assert (params["filters"], params["epochs"], params["validation_fraction"]) == (
        (48, 96), 48, 0.0
    )
