"""ImageReshaper on real images."""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from scipy import sparse

from fmnist_estimators import ImageReshaper


@pytest.mark.parametrize(
    "reshape",
    [lambda X: X.reshape(len(X), -1), lambda X: X, lambda X: X[..., None],
     lambda X: pd.DataFrame(X.reshape(len(X), -1))],
    ids=["flat", "images", "channel", "dataframe"],
)
def test_any_input_to_both_outputs(fashion_test, reshape):
    X, _ = fashion_test
    X = X[:20]
    images = ImageReshaper(output="image").fit_transform(reshape(X))
    assert images.shape == (20, 28, 28, 1)
    np.testing.assert_array_equal(images[..., 0], X)
    flat = ImageReshaper(output="flat", scale=255).fit_transform(reshape(X))
    assert flat.shape == (20, 784) and flat.dtype == np.float32
    np.testing.assert_allclose(flat, X.reshape(20, -1) / 255.0, rtol=1e-6)


def test_explicit_non_square_shape(fashion_test):
    X, _ = fashion_test
    wide = X[:4, :14, :].reshape(4, -1)  # 14 x 28 crops, flattened
    out = ImageReshaper(output="image", image_shape=(14, 28)).fit_transform(wide)
    assert out.shape == (4, 14, 28, 1)
    with pytest.raises(ValueError, match="holds 100 pixels"):
        ImageReshaper(image_shape=(10, 10)).fit(wide)


def test_mismatched_input_at_transform(fashion_test):
    X, _ = fashion_test
    reshaper = ImageReshaper().fit(X[:5])
    with pytest.raises(ValueError, match="32x32"):
        reshaper.transform(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match="3 channels"):
        reshaper.transform(np.zeros((2, 28, 28, 3)))
    with pytest.raises(TypeError, match="sparse"):
        reshaper.transform(sparse.csr_matrix(X[:2].reshape(2, -1)))


def test_feature_names(fashion_test):
    X, _ = fashion_test
    names = ImageReshaper().fit(X[:2]).get_feature_names_out()
    assert names[0] == "pixel_0_0" and names[-1] == "pixel_27_27" and len(names) == 784
    frame = pd.DataFrame(X[:2].reshape(2, -1), columns=[f"p{i}" for i in range(784)])
    assert ImageReshaper().fit(frame).get_feature_names_out()[3] == "p3"
    # 4-D images have no feature names: the method exists only for flat output.
    assert not hasattr(ImageReshaper(output="image").fit(X[:2]), "get_feature_names_out")


@pytest.mark.parametrize("output", ["flat", "image"])
def test_pandas_output_config(fashion_test, output):
    X, _ = fashion_test
    with sklearn.config_context(transform_output="pandas"):
        X_out = ImageReshaper(output=output).fit_transform(X[:3])
    if output == "flat":
        assert isinstance(X_out, pd.DataFrame) and X_out.columns[0] == "pixel_0_0"
    else:
        assert isinstance(X_out, np.ndarray) and X_out.shape == (3, 28, 28, 1)


def test_picklable(fashion_test):
    X, _ = fashion_test
    reshaper = ImageReshaper(output="image", scale=255.0).fit(X[:3])
    restored = pickle.loads(pickle.dumps(reshaper))
    np.testing.assert_array_equal(restored.transform(X[:3]), reshaper.transform(X[:3]))
