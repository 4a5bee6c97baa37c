"""The faster training path computes what Keras' own path computes."""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest

from fmnist_estimators import ANNClassifier, CNNClassifier, _training
from fmnist_estimators._backend._batch_norm import batch_normalization
from fmnist_estimators._backend._fused_adam import fuse_adam_updates
from fmnist_estimators._backend._input_pipeline import fit_inputs, validation_inputs
from fmnist_estimators._backend._softmax import softmax

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


@on_tensorflow
def test_fused_batch_norm_matches_keras_in_mixed_bfloat16(images):
    import tensorflow as tf

    from fmnist_estimators._backend._batch_norm import _fusable

    x = tf.cast(images, "bfloat16")
    results = []
    for layer in (keras.layers.BatchNormalization(momentum=0.0, dtype="mixed_bfloat16"),
                  batch_normalization(momentum=0.0, dtype="mixed_bfloat16")):
        layer.build(x.shape)
        layer.gamma.assign([1.5, 0.7])
        with tf.GradientTape() as tape:
            outputs = layer(x, training=True)
            loss = tf.reduce_sum(tf.square(tf.cast(outputs, "float32")) * images)
        gradients = tape.gradient(loss, [layer.gamma, layer.beta])
        results.append([outputs.numpy().astype("float32"), *(g.numpy() for g in gradients),
                        layer.moving_mean.numpy(), layer.moving_variance.numpy()])
        assert outputs.dtype == tf.bfloat16
    # The layer took the fused kernel, and computed what Keras computes, up to
    # bfloat16's rounding of the outputs (8 significant bits).
    assert _fusable(layer, x, training=True, mask=None)
    reference, fused = results
    np.testing.assert_allclose(fused[0], reference[0], atol=2e-2)
    for fused_value, reference_value in zip(fused[1:], reference[1:]):
        np.testing.assert_allclose(fused_value, reference_value, rtol=2e-2, atol=1e-4)


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
    validation = validation_inputs((X, y), batch_size=64)["validation_data"]
    assert [len(batch[0]) for batch in validation.as_numpy_iterator()] == [64, 64, 64, 8]
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
    assert validation_inputs((X, y), batch_size=32) == {
        "validation_data": (X, y), "validation_batch_size": 32,
    }
    assert validation_inputs(None, batch_size=32) == {"validation_data": None}


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

    monkeypatch.setattr(_training, "fit_inputs", recording_fit_inputs)
    raw = estimator_class(epochs=1, random_state=0).fit(X, y)
    scaled = estimator_class(epochs=1, random_state=0).fit(X.astype("float32"), y)
    # No float copy of raw images is made; the network converts each batch.
    assert fed_dtypes == [np.uint8, np.float32]
    np.testing.assert_array_equal(
        raw.predict_proba(fashion_test[0][:100]), scaled.predict_proba(fashion_test[0][:100])
    )


@pytest.mark.parametrize("steps_per_epoch", [5, 20, 64])
def test_steps_per_epoch_is_honoured(fashion_train, steps_per_epoch):
    X, y = fashion_train[0][:3000], fashion_train[1][:3000]
    ann = ANNClassifier(hidden_layer_sizes=(16,), batch_size=16, epochs=2, random_state=0,
                        fit__steps_per_epoch=steps_per_epoch).fit(X, y)
    assert int(ann.model_.optimizer.iterations) == 2 * steps_per_epoch
    assert len(ann.history_["loss"]) == 2
    assert ann.model_.steps_per_execution == 32


def test_later_partial_fit_calls_train_on_float32(fashion_train, monkeypatch):
    X, y = fashion_train[0][:600] / 255.0, fashion_train[1][:600]
    fed_dtypes = []

    def recording_fit_inputs(X, *args, **kwargs):
        fed_dtypes.append(X.dtype)
        return fit_inputs(X, *args, **kwargs)

    monkeypatch.setattr(_training, "fit_inputs", recording_fit_inputs)
    ann = ANNClassifier(hidden_layer_sizes=(16,), random_state=0)
    ann.partial_fit(X, y).partial_fit(X, y)
    assert X.dtype == np.float64
    assert fed_dtypes == [np.float32, np.float32]


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


def _adam(weight_decay, **kwargs):
    if weight_decay:
        return keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=weight_decay, **kwargs)
    return keras.optimizers.Adam(learning_rate=1e-2, **kwargs)


@on_tensorflow
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_fused_adam_matches_keras_updates(weight_decay):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((64, 32)).astype("float32")
    gradients = rng.standard_normal((20, 64, 32)).astype("float32")
    reached = []
    for fused in (False, True):
        variable = keras.Variable(start)
        optimizer = _adam(weight_decay)
        if fused:
            assert fuse_adam_updates(optimizer) is optimizer
            assert optimizer.update_step.__name__ == "_fused_update_step"
        for gradient in gradients:
            optimizer.apply([gradient], [variable])
        reached.append(variable.numpy())
    # 20 steps of 1e-2 move each weight by up to 0.2; an off-by-one step count
    # in the bias correction alone would differ by ~1e-3.
    np.testing.assert_allclose(reached[1], reached[0], rtol=0, atol=1e-5)
    assert not np.allclose(reached[0], start, atol=1e-2)


@on_tensorflow
def test_fused_adam_takes_keras_update_without_its_slots(monkeypatch):
    from fmnist_estimators._backend import _fused_adam, _probes

    # As with a Keras that keeps Adam's moments under other names.
    monkeypatch.setattr(_fused_adam, "_SLOT_ATTRIBUTES", ("_no_such_slot",))
    _probes.warn_once.cache_clear()
    rng = np.random.default_rng(0)
    start = rng.standard_normal((8, 4)).astype("float32")
    gradients = rng.standard_normal((3, 8, 4)).astype("float32")
    reached = []
    for optimizer in (_adam(0.0), fuse_adam_updates(_adam(0.0))):
        variable = keras.Variable(start)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for gradient in gradients:
                optimizer.apply([gradient], [variable])
        reached.append((variable.numpy(), [str(w.message) for w in caught]))
    (plain, plain_warnings), (fallback, fallback_warnings) = reached
    np.testing.assert_array_equal(fallback, plain)
    assert not plain_warnings
    assert len(fallback_warnings) == 1 and "Keras' own update" in fallback_warnings[0]
    _probes.warn_once.cache_clear()


def test_fused_batch_norm_fuses_a_layer_without_renorm(images):
    from types import SimpleNamespace

    from fmnist_estimators._backend._batch_norm import _fusable

    # Keras before 3.14 has neither attribute on its layers.
    layer = SimpleNamespace(trainable=True, axis=-1, center=True, scale=True)
    assert _fusable(layer, images, training=True, mask=None)
    assert not _fusable(SimpleNamespace(**vars(layer), renorm=True), images,
                        training=True, mask=None)


@pytest.mark.parametrize(
    "optimizer",
    [_adam(0.0, amsgrad=True), keras.optimizers.SGD(), type("MyAdam", (keras.optimizers.Adam,), {})()],
    ids=["amsgrad", "sgd", "subclass"],
)
def test_fused_adam_leaves_other_optimizers_alone(optimizer):
    assert "update_step" not in vars(fuse_adam_updates(optimizer))


def test_softmax_matches_keras_and_keeps_the_logits():
    logits = np.array([[0.0, 100.0, -3.0], [1.0, 2.0, 3.0]], dtype="float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(softmax(logits)),
        keras.ops.convert_to_numpy(keras.activations.softmax(logits)),
        rtol=1e-6, atol=1e-30,
    )
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # From the logits the first row's loss is 100; from probabilities
        # clipped at 1e-7 it would be 16.1.
        loss = keras.losses.SparseCategoricalCrossentropy(reduction=None)(
            np.array([0, 2]), softmax(tf.constant(logits))
        )
        expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(
            np.array([0, 2]), logits
        )
        np.testing.assert_allclose(loss.numpy(), expected.numpy(), rtol=1e-5)


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
def test_fast_kernels_are_used_and_survive_pickling(estimator_class, fashion_train, fashion_test, tmp_path):
    import pickle

    X, y = fashion_train
    clf = estimator_class(epochs=1, random_state=0).fit(X[:600], y[:600])
    proba = clf.predict_proba(fashion_test[0][:100])
    restored = pickle.loads(pickle.dumps(clf))
    for model in (clf.model_, restored.model_):
        output = model.get_layer("class_probabilities")
        assert output.activation is softmax
        # Saved as Keras' own softmax.
        assert output.get_config()["activation"] == "softmax"
        if keras.backend.backend() == "tensorflow":
            assert model.optimizer.update_step.__name__ == "_fused_update_step"
    np.testing.assert_array_equal(restored.predict_proba(fashion_test[0][:100]), proba)
    # A .keras file loads without this package, with Keras' own softmax.
    clf.model_.save(tmp_path / "model.keras")
    plain = keras.saving.load_model(tmp_path / "model.keras")
    assert plain.get_layer("class_probabilities").activation is keras.activations.softmax
    X_test = fashion_test[0][:100].reshape(100, -1).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(plain.predict_on_batch(X_test)),
        keras.ops.convert_to_numpy(clf.model_.predict_on_batch(X_test)),
        rtol=1e-5, atol=1e-7,
    )


def _run_on_jax(script):
    """Run a script in a fresh interpreter on the JAX backend; its stdout."""
    pytest.importorskip("jax")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env={**os.environ, "KERAS_BACKEND": "jax"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_jax_scanned_steps_train_as_keras_loop_does():
    """On JAX, one lax.scan per execution, over indices into arrays copied to
    the device once, trains as Keras' step-by-step loop does."""
    output = _run_on_jax(
        """
        import keras, numpy as np
        from fmnist_estimators import CNNClassifier
        from fmnist_estimators._backend import _jax_steps
        from fmnist_estimators.datasets import fetch_fashion_mnist
        X_all, y_all = fetch_fashion_mnist(subset="test", return_X_y=True)
        X, y, X_new = X_all[:1500], y_all[:1500], X_all[5000:5200]
        # A CPU keeps Keras' loop (XLA runs a scan slowly there) unless told.
        on_cpu = CNNClassifier(epochs=1, filters=(8,), dense_units=(16,)).fit(X, y)
        assert not hasattr(on_cpu.model_, "_fmnist_scanned_steps")
        _jax_steps._LOOPED_PLATFORMS = frozenset()
        # 1,350 training images in batches of 32: one scanned execution of 32
        # steps, then 11 steps one at a time, the last one short.
        params = dict(filters=(8,), dense_units=(16,), epochs=2, batch_size=32,
                      random_flip=True, dropout=0.2, random_state=0)
        calls = []
        gathering = _jax_steps._gathering_train_function
        def counted(*args):
            train_function = gathering(*args)
            def call(state, iterator):
                calls.append(1)
                return train_function(state, iterator)
            return call
        _jax_steps._gathering_train_function = counted
        def assert_trained_alike(a, b):
            np.testing.assert_allclose(a.history_["loss"], b.history_["loss"], rtol=1e-4)
            np.testing.assert_allclose(a.predict_proba(X_new), b.predict_proba(X_new),
                                       atol=1e-4)

        # Unshuffled, Keras' loop cuts the same batches (shuffled, its first
        # fit draws one permutation more, to build its metrics).
        unshuffled = CNNClassifier(fit__shuffle=False, **params).fit(X, y)
        looped = CNNClassifier(compile__steps_per_execution=1, fit__shuffle=False,
                               **params).fit(X, y)
        assert not hasattr(looped.model_, "_fmnist_scanned_steps")
        assert_trained_alike(unshuffled, looped)

        calls.clear()
        scanned = CNNClassifier(**params).fit(X, y)
        # On the device the scan's length follows each call's indices, so
        # the compiled steps do not depend on the steps per execution.
        assert scanned.model_._fmnist_scanned_steps[:3] == ("on device", 32, None)
        assert len(calls) == 2 * 2, calls  # two executions per epoch
        # Keras' own function again after fit, for its other methods.
        assert scanned.model_.train_function is None
        # Arrays too large for the device's memory: each execution is
        # copied, and the batches are the same.
        has_room = _jax_steps._device_has_room
        _jax_steps._device_has_room = lambda device, arrays: False
        copied = CNNClassifier(**params).fit(X, y)
        _jax_steps._device_has_room = has_room
        assert copied.model_._fmnist_scanned_steps[:3] == ("copied", 32, 32)
        assert_trained_alike(scanned, copied)
        # An execution longer than the epoch trains the whole epoch in one
        # call, its last batch short; sample weights are gathered too.
        for extra in ({}, {"class_weight": "balanced"}):
            calls.clear()
            whole = CNNClassifier(compile__steps_per_execution=1000, **params,
                                  **extra).fit(X, y)
            assert len(calls) == 2, calls  # one call per epoch
            assert int(whole.model_.optimizer.iterations) == 2 * 43
            assert_trained_alike(whole, CNNClassifier(**params, **extra).fit(X, y))

        # A later call runs a new schedule, compiled into a new scanned loop of
        # the same shape; the network keeps learning.
        compiled = scanned.model_._fmnist_scanned_steps
        scanned.partial_fit(X, y)
        assert scanned.model_._fmnist_scanned_steps[:3] == compiled[:3]
        assert scanned.score(X_all[5000:6000], y_all[5000:6000]) > 0.5
        # With a constant learning rate nothing changes: the loop is reused.
        constant = CNNClassifier(lr_schedule="constant", **params).fit(X, y)
        compiled = constant.model_._fmnist_scanned_steps
        constant.partial_fit(X, y)
        assert constant.model_._fmnist_scanned_steps is compiled
        # steps_per_epoch counts Keras' steps, not executions: left to Keras' loop.
        counted = CNNClassifier(fit__steps_per_epoch=5, **params).fit(X, y)
        assert not hasattr(counted.model_, "_fmnist_scanned_steps")
        assert int(counted.model_.optimizer.iterations) == 10
        print("ok")
        """
    )
    assert output.startswith("ok")


class _Device:
    """A JAX device reporting the given memory statistics."""

    def __init__(self, stats):
        self.stats = stats

    def memory_stats(self):
        return self.stats


def test_jax_training_set_goes_to_the_device_within_its_share_of_memory():
    from fmnist_estimators._backend._jax_steps import _device_has_room

    arrays = (np.zeros((1000, 250), "float32"),)  # 1 MB
    assert _device_has_room(_Device(None), arrays)  # a CPU reports no limit
    assert _device_has_room(_Device({"bytes_limit": 4_000_000}), arrays)
    assert not _device_has_room(_Device({"bytes_limit": 3_999_999}), arrays)


def test_jax_bfloat16_check_leaves_seeded_fits_alone():
    """The bfloat16 check builds its block without drawing from Keras' random
    state or its layer names: what is built after it is built as without it."""
    output = _run_on_jax(
        """
        import json
        import keras
        from fmnist_estimators._backend import _precision

        def dense_weights():
            layer = keras.layers.Dense(4)
            layer.build((None, 3))
            return keras.ops.convert_to_numpy(layer.kernel).tolist()

        keras.utils.set_random_seed(0)
        without_check = dense_weights()
        keras.utils.set_random_seed(0)
        compiles_right = _precision._jax_compiles_bfloat16_block()
        print(json.dumps({"compiles_right": compiles_right,
                          "weights_kept": dense_weights() == without_check,
                          "first_convolution": keras.layers.Conv2D(1, 1).name,
                          "policy": keras.config.dtype_policy().name}))
        """
    )
    result = json.loads(output.strip().splitlines()[-1])
    assert isinstance(result["compiles_right"], bool)
    assert result["weights_kept"]
    assert result["first_convolution"] == "conv2d"
    assert result["policy"] == "float32"


@pytest.fixture
def fresh_warnings():
    """Each probe warns once per process: forget what was said before."""
    from fmnist_estimators._backend import _probes

    _probes.warn_once.cache_clear()
    yield
    _probes.warn_once.cache_clear()


def test_jax_copies_each_execution_where_keras_has_no_symbolic_build(fresh_warnings):
    from fmnist_estimators._backend._jax_steps import _built_from_a_batch, _training_arrays

    fit_kwargs = {"x": np.zeros((4, 3), "float32"), "y": np.zeros(4), "batch_size": 2}
    arrays = _training_arrays(fit_kwargs)
    assert len(arrays) == 2
    # As with a Keras release without Model._symbolic_build.
    with pytest.warns(RuntimeWarning, match="_symbolic_build"):
        assert not _built_from_a_batch(object(), arrays, batch_size=2)
    # Inputs that are not NumPy arrays are left to Keras' own build.
    assert _training_arrays({**fit_kwargs, "x": [[0.0] * 3] * 4}) is None


@on_tensorflow
def test_softmax_stays_keras_own_where_keras_moved_the_logits(
    monkeypatch, fresh_warnings, fashion_train
):
    from fmnist_estimators._backend import _softmax

    # As with a Keras release that keeps the logits under another name.
    monkeypatch.setattr(_softmax, "LOGITS_ATTRIBUTE", "_logits_of_a_later_keras")
    _softmax.keras_keeps_logits.cache_clear()
    X, y = fashion_train
    try:
        with pytest.warns(RuntimeWarning, match="keeps Keras' own softmax"):
            clf = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1,
                                random_state=0).fit(X[:300], y[:300])
    finally:
        _softmax.keras_keeps_logits.cache_clear()
    activation = clf.model_.get_layer("class_probabilities").activation
    assert activation is keras.activations.softmax
    assert clf.predict_proba(X[:5]).sum(axis=1) == pytest.approx(1, abs=1e-5)


def test_schedule_restarts_through_a_new_optimizer_without_its_hook(
    monkeypatch, fresh_warnings, fashion_train
):
    from fmnist_estimators import _optimization

    # As with a Keras that keeps an optimizer's schedule elsewhere.
    monkeypatch.setattr(_optimization, "learning_rate_schedule", lambda optimizer: None)
    X, y = fashion_train
    clf = ANNClassifier(hidden_layer_sizes=(32,), epochs=1, random_state=0,
                        lr_schedule="one-cycle")
    clf.partial_fit(X[:1000], y[:1000], classes=np.arange(10))
    with pytest.warns(RuntimeWarning, match="starts a new optimizer"):
        clf.partial_fit(X[1000:2000], y[1000:2000])
    assert clf.n_iter_ == 2 and clf.score(X[2000:], y[2000:]) > 0.5
