"""The faster training path computes what Keras' own path computes."""

import keras
import numpy as np
import pytest

from fmnist_estimators import ANNClassifier, CNNClassifier, _base
from fmnist_estimators._batch_norm import batch_normalization
from fmnist_estimators._input_pipeline import fit_inputs, validation_inputs

on_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the TensorFlow-only fast path"
)


@pytest.fixture(scope="module")
def images(fashion_test):
    """Real images as a 2-channel float32 batch: an image and a rescaled mirror."""
    X = fashion_test[0][:256, :, :, None].astype("float32") / 255
    return np.concatenate([X, X[:, :, ::-1] * 2 - 0.3], axis=-1)


def _float64_batch_norm(X, epsilon):
    X = X.astype(np.float64)
    mean, variance = X.mean(axis=(0, 1, 2)), X.var(axis=(0, 1, 2))
    return (X - mean) / np.sqrt(variance + epsilon), mean, variance


def test_fused_batch_norm_matches_float64_statistics(images):
    layer = batch_normalization(momentum=0.0)
    outputs = keras.ops.convert_to_numpy(layer(images, training=True))
    expected, mean, variance = _float64_batch_norm(images, layer.epsilon)
    np.testing.assert_allclose(outputs, expected, atol=2e-3)
    # Momentum 0: the running statistics become the batch's biased statistics.
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean, atol=1e-3)
    np.testing.assert_allclose(layer.moving_variance.numpy(), variance, rtol=5e-3)


@on_tensorflow
def test_fused_batch_norm_gradients_match_keras(images):
    import tensorflow as tf

    gradients = []
    for layer in (keras.layers.BatchNormalization(), batch_normalization()):
        layer.build(images.shape)
        layer.gamma.assign([1.5, 0.7])
        layer.beta.assign([0.1, -0.2])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(layer(images, training=True)) * images)
        gradients.append([g.numpy() for g in tape.gradient(loss, [layer.gamma, layer.beta])])
    for fused, reference in zip(*gradients):
        np.testing.assert_allclose(fused, reference, rtol=2e-2)


def test_fused_batch_norm_is_an_ordinary_layer(images):
    layer = batch_normalization(momentum=0.9, name="bn")
    assert type(layer) is keras.layers.BatchNormalization
    reference = keras.layers.BatchNormalization(momentum=0.9, name="bn")
    assert layer.get_config() == reference.get_config()
    # Inference uses Keras' own code: the running statistics.
    layer.build(images.shape)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(images, training=False)),
        images / np.sqrt(1 + layer.epsilon),
        rtol=1e-6,
    )


def test_fused_batch_norm_falls_back_for_dense_inputs(fashion_test):
    X = fashion_test[0][:64].reshape(64, -1).astype("float32") / 255
    fused, reference = batch_normalization(momentum=0.0), keras.layers.BatchNormalization(
        momentum=0.0
    )
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(fused(X, training=True)),
        keras.ops.convert_to_numpy(reference(X, training=True)),
    )


@on_tensorflow
def test_pipeline_visits_every_sample_once_per_epoch(fashion_test):
    X, y = fashion_test
    X = X[:300].reshape(300, -1)
    weights = np.arange(300, dtype="float32")
    inputs = fit_inputs(X, y[:300], weights, batch_size=64, seed=0)
    assert inputs["shuffle"] is False
    dataset = inputs["x"]
    for _ in range(2):
        batches = list(dataset.as_numpy_iterator())
        assert [len(batch[0]) for batch in batches] == [64] * 4 + [44]
        seen = np.concatenate([batch[2] for batch in batches]).astype(int)
        np.testing.assert_array_equal(np.sort(seen), np.arange(300))
        # Images, labels and weights stay aligned after shuffling.
        np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X[seen])
        np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[seen])
    assert dataset.options().autotune.enabled is False


@on_tensorflow
def test_pipeline_order(fashion_test):
    y = fashion_test[1][:200]
    X = np.arange(200)[:, None]

    def order(**kwargs):
        dataset = fit_inputs(X, y, batch_size=50, **kwargs)["x"]
        return np.concatenate([batch[0][:, 0] for batch in dataset.as_numpy_iterator()])

    np.testing.assert_array_equal(order(seed=3), order(seed=3))
    assert not np.array_equal(order(seed=3), order(seed=4))
    np.testing.assert_array_equal(order(shuffle=False), np.arange(200))
    validation = validation_inputs((X, y), batch_size=64)
    np.testing.assert_array_equal(
        np.concatenate([batch[0][:, 0] for batch in validation.as_numpy_iterator()]),
        np.arange(200),
    )


def test_other_backends_receive_arrays(monkeypatch, fashion_test):
    X, y = fashion_test
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert fit_inputs(X, y, batch_size=32, shuffle=False) == {
        "x": X, "y": y, "sample_weight": None, "batch_size": 32, "shuffle": False,
    }
    assert validation_inputs((X, y), batch_size=32) == (X, y)
    assert validation_inputs(None, batch_size=32) is None


def test_fit_is_reproducible_and_honours_batch_size(fashion_train, fashion_test):
    X, y = fashion_train
    params = dict(filters=(4, 8), dense_units=(16,), epochs=2, batch_size=100,
                  random_state=0, validation_fraction=0.1)
    first = CNNClassifier(**params).fit(X[:1000], y[:1000])
    second = CNNClassifier(**params).fit(X[:1000], y[:1000])
    np.testing.assert_array_equal(
        first.predict_proba(fashion_test[0][:100]), second.predict_proba(fashion_test[0][:100])
    )
    # 900 training images in batches of 100: 9 optimizer steps per epoch.
    assert int(first.model_.optimizer.iterations.numpy()) == 18
    assert len(first.history_["val_loss"]) == 2


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
def test_raw_images_stay_uint8_and_train_as_float32(
    estimator_class, fashion_train, fashion_test, monkeypatch
):
    X, y = fashion_train[0][:600], fashion_train[1][:600]
    fed_dtypes = []

    def recording_fit_inputs(X, *args, **kwargs):
        fed_dtypes.append(X.dtype)
        return fit_inputs(X, *args, **kwargs)

    monkeypatch.setattr(_base, "fit_inputs", recording_fit_inputs)
    raw = estimator_class(epochs=1, random_state=0).fit(X, y)
    scaled = estimator_class(epochs=1, random_state=0).fit(X.astype("float32"), y)
    # No float copy of raw images is made; the network converts each batch.
    assert fed_dtypes == [np.uint8, np.float32]
    np.testing.assert_array_equal(
        raw.predict_proba(fashion_test[0][:100]), scaled.predict_proba(fashion_test[0][:100])
    )


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
def test_mixed_precision(estimator_class, fashion_train, fashion_test):
    import pickle

    X, y = fashion_train
    clf = estimator_class(dtype_policy="mixed_bfloat16", epochs=2, random_state=0)
    clf.fit(X[:1500], y[:1500])
    assert keras.config.dtype_policy().name == "float32"
    computing = {layer.compute_dtype for layer in clf.model_.layers[2:-1]}
    assert computing == {"bfloat16"}
    assert clf.model_.layers[-1].compute_dtype == "float32"
    assert all(w.dtype == "float32" for w in clf.model_.weights)
    proba = clf.predict_proba(fashion_test[0][:200])
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    # It learns: clearly better than chance (0.1) after two short epochs.
    assert clf.score(*fashion_test) > 0.6
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(fashion_test[0][:200]), proba)


def test_dtype_policy_is_validated(fashion_train):
    X, y = fashion_train
    with pytest.raises(ValueError, match="dtype_policy"):
        CNNClassifier(dtype_policy="float64", epochs=1).fit(X[:100], y[:100])
