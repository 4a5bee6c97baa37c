"""export_onnx: ONNX Runtime predicts what predict_proba predicts, without Keras."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from fmnist_estimators import (
    CNNClassifier,
    ImageReshaper,
    export_onnx,
    list_recipes,
    make_recipe,
)
from fmnist_estimators._registry import FAMILIES

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("tf2onnx")

N_TRAIN = 500
N_TEST = 300
TOLERANCE = 1e-5


def small(name, params):
    """The recipe's structure with narrow layers, one epoch."""
    estimator = make_recipe(name, epochs=1, random_state=0, **params)
    own = estimator.get_params()
    shrunk = {"filters": (4,) * len(own.get("filters", ())), "dense_units": (8,),
              "hidden_layer_sizes": (16,) * len(own.get("hidden_layer_sizes", ()))}
    return estimator.set_params(**{key: value for key, value in shrunk.items() if key in own})


@pytest.fixture(scope="module")
def train(fashion_train):
    X, y = fashion_train
    return X[:N_TRAIN], y[:N_TRAIN]


@pytest.fixture(scope="module")
def test_images(fashion_test):
    return fashion_test[0][:N_TEST]


@pytest.fixture(scope="module")
def cnn(train):
    return CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0).fit(*train)


def onnx_proba(path, X):
    session = ort.InferenceSession(str(path))
    return session.run(None, {"pixels": np.asarray(X).reshape(len(X), -1).astype(np.float32)})[0]


# Each family with its small settings, and each recipe in float32.
CASES = {
    **{f"family-{name}": ("family", name) for name in FAMILIES},
    **{f"recipe-{name}": ("recipe", name) for name in list_recipes()},
}


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def exported(request, train, tmp_path_factory):
    kind, name = CASES[request.param]
    if kind == "family":
        family = FAMILIES[name]
        # Batches of 32: enough optimiser steps in one epoch for every family to learn.
        clf = family.estimator_class()(
            **family.check_params, epochs=1, batch_size=32, random_state=0
        )
    else:
        clf = small(name, {"dtype_policy": "float32"})
    clf.fit(*train)
    path = tmp_path_factory.mktemp("onnx") / f"{name}.onnx"
    assert export_onnx(clf, path) == path
    return clf, path


def test_onnx_runtime_matches_predict_proba(exported, test_images):
    clf, path = exported
    expected = clf.predict_proba(test_images)
    proba = onnx_proba(path, test_images)
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=TOLERANCE)
    # Not a constant output: the network separates the classes.
    assert len(np.unique(proba.argmax(axis=1))) > 2


def test_metadata_holds_labels_and_scaling(exported):
    clf, path = exported
    metadata = {p.key: p.value for p in onnx.load(path).metadata_props}
    np.testing.assert_array_equal(json.loads(metadata["classes"]), clf.classes_)
    assert json.loads(metadata["image_shape"]) == [28, 28, 1]
    assert float(metadata["pixel_scale"]) == 255.0
    assert json.loads(metadata["test_time_augmentation"]) is clf.test_time_augmentation
    assert metadata["estimator"] == type(clf).__name__


def test_mirror_average_is_in_the_graph(train, test_images, tmp_path):
    clf = small("best-cnn", {"dtype_policy": "float32"}).fit(*train)
    assert clf.test_time_augmentation
    with_average = export_onnx(clf, tmp_path / "tta.onnx")
    clf.set_params(test_time_augmentation=False)
    without = export_onnx(clf, tmp_path / "plain.onnx")
    plain = clf.predict_proba(test_images)
    clf.set_params(test_time_augmentation=True)
    averaged = clf.predict_proba(test_images)
    # The average differs from the plain prediction, and each file has its own.
    assert np.abs(averaged - plain).max() > 1e-3
    np.testing.assert_allclose(onnx_proba(with_average, test_images), averaged, atol=TOLERANCE)
    np.testing.assert_allclose(onnx_proba(without, test_images), plain, atol=TOLERANCE)


def test_float_pixels_and_string_labels(train, test_images, target_names, tmp_path):
    X, y = train
    labels = np.asarray(target_names)[y]
    clf = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0)
    clf.fit(X.astype(np.float32) / 255, labels)
    assert clf.pixel_scale_ == 1.0
    path = export_onnx(clf, tmp_path / "float.onnx")
    X_test = test_images.astype(np.float32) / 255
    proba = onnx_proba(path, X_test)
    np.testing.assert_allclose(proba, clf.predict_proba(X_test), atol=TOLERANCE)
    session = ort.InferenceSession(str(path))
    classes = np.array(json.loads(session.get_modelmeta().custom_metadata_map["classes"]))
    np.testing.assert_array_equal(classes[proba.argmax(axis=1)], clf.predict(X_test))


def test_export_leaves_the_estimator_unchanged(cnn, test_images, tmp_path):
    clf = cnn
    before = clf.predict_proba(test_images)
    export_onnx(clf, tmp_path / "again.onnx")
    np.testing.assert_array_equal(clf.predict_proba(test_images), before)


def test_predicting_needs_neither_keras_nor_tensorflow(exported, test_images, tmp_path):
    clf, path = exported
    np.save(tmp_path / "images.npy", test_images)
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        import onnxruntime as ort

        X = np.load({str(tmp_path / "images.npy")!r})
        session = ort.InferenceSession({str(path)!r})
        classes = np.array(json.loads(
            session.get_modelmeta().custom_metadata_map["classes"]))
        proba = session.run(None, {{"pixels": X.reshape(len(X), -1).astype(np.float32)}})[0]
        loaded = sorted(m for m in ("keras", "tensorflow", "jax", "fmnist_estimators")
                        if m in sys.modules)
        assert not loaded, loaded
        np.save({str(tmp_path / "proba.npy")!r}, proba)
        print(json.dumps(classes[proba.argmax(axis=1)].tolist()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"),
                               clf.predict_proba(test_images), atol=TOLERANCE)
    np.testing.assert_array_equal(json.loads(out.stdout), clf.predict(test_images))


def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        export_onnx(CNNClassifier(), tmp_path / "unfitted.onnx")
    assert not list(tmp_path.iterdir())


def test_pipeline_is_refused_with_the_way_out(cnn, tmp_path):
    pipeline = make_pipeline(ImageReshaper(), cnn)
    with pytest.raises(TypeError, match=r"pipeline\[-1\]"):
        export_onnx(pipeline, tmp_path / "pipeline.onnx")


def test_mixed_precision_is_refused_with_what_to_do(train, tmp_path):
    clf = small("wide-cnn", {"filters": (4,), "padding": "valid"}).fit(*train)
    assert clf.dtype_policy_ == "mixed_bfloat16"
    path = tmp_path / "bf16.onnx"
    with pytest.raises(ValueError, match="dtype_policy='float32'"):
        export_onnx(clf, path)
    assert not path.exists()


def test_failed_write_keeps_the_previous_file(cnn, tmp_path, monkeypatch):
    clf = cnn
    path = tmp_path / "model.onnx"
    path.write_bytes(b"previous")

    def half_written(model, target):
        with open(target, "wb") as file:
            file.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(onnx, "save", half_written)
    with pytest.raises(OSError, match="disk full"):
        export_onnx(clf, path)
    assert path.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
