"""Check the claims of ``docs/why.rst`` against the installed Keras and scikeras.

Run ``python docs/why_facts.py``; it prints each fact the comparison page
states about ``keras.wrappers.SKLearnClassifier`` and scikeras'
``KerasClassifier`` under the installed scikit-learn.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import scikeras  # noqa: E402
import sklearn  # noqa: E402
from keras.wrappers import SKLearnClassifier  # noqa: E402
from scikeras.wrappers import KerasClassifier  # noqa: E402
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.utils import get_tags  # noqa: E402

from fmnist_estimators import CNNClassifier  # noqa: E402


def build(X, y):
    """A compiled softmax layer on flattened inputs, as Keras' wrapper expects."""
    model = keras.Sequential([
        keras.Input(X.shape[1:]), keras.layers.Flatten(),
        keras.layers.Dense(y.shape[1], activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def main():
    print(f"Keras {keras.version()}, scikeras {scikeras.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    digits = load_digits()
    keras_clf = SKLearnClassifier(model=build, fit_kwargs={"epochs": 1, "verbose": 0})
    print("SKLearnClassifier has predict_proba:", hasattr(keras_clf, "predict_proba"),
          "partial_fit:", hasattr(keras_clf, "partial_fit"))
    print("SKLearnClassifier fit_kwargs after clone:", clone(keras_clf).fit_kwargs)
    keras_clf.fit(digits.data, digits.target)
    print("SKLearnClassifier on 2-D rows: fitted")
    try:
        clone(keras_clf).set_params(fit_kwargs={"epochs": 1, "verbose": 0}).fit(
            digits.images, digits.target
        )
        print("SKLearnClassifier on 8x8 images: fitted")
    except ValueError as error:
        print("SKLearnClassifier on 8x8 images: ValueError:", error)
    print("SKLearnClassifier is_classifier:", is_classifier(keras_clf))

    scikeras_clf = KerasClassifier(model=None, loss="sparse_categorical_crossentropy")
    tags = get_tags(scikeras_clf)
    print("KerasClassifier declares (_tags):", sorted(KerasClassifier._tags))
    print("KerasClassifier under get_tags: estimator_type", tags.estimator_type,
          "classifier_tags", tags.classifier_tags, "is_classifier",
          is_classifier(scikeras_clf))
    try:
        scikeras_clf._more_tags()
    except AttributeError as error:
        print("KerasClassifier._more_tags(): AttributeError:", error)

    print("CNNClassifier is_classifier:", is_classifier(CNNClassifier()))


if __name__ == "__main__":
    main()
