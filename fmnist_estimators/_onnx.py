"""Export a fitted estimator to ONNX, for ONNX Runtime without Keras or TensorFlow.

The exported graph computes what ``predict_proba`` computes from flat float32
rows of raw pixels: the network with its pixel scaling (a layer of the
network), and the mirror-image average when ``test_time_augmentation`` is on.
Keras' own exporter (``keras.Model.export(format="onnx")``, through tf2onnx
on TensorFlow) writes the graph; this module adds the serving wrapper, the
class labels in the file's metadata, and an atomic write.
"""

import importlib.util
import json
import math
import tempfile
import warnings
from pathlib import Path

import keras
from sklearn.utils.validation import check_is_fitted

from ._io import atomic_path
from ._network import is_image
from ._version import __version__

# Names of the graph's input and output, as ONNX Runtime reports them.
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"
BATCH_DIMENSION = "n_samples"


class _Serving(keras.Model):
    """What ``predict_proba`` computes, as one Keras model.

    The network is called with ``training=False``: its augmentation layers
    (``RandomFlip`` and the others) default to training mode otherwise, and
    would be exported as random operations.
    """

    def __init__(self, network, image_shape, mirror_average):
        super().__init__(name="serving")
        self.network = network
        self.image_shape = tuple(image_shape)
        self.mirror_average = mirror_average

    def call(self, pixels):
        proba = self.network(pixels, training=False)
        if self.mirror_average:
            # Mirror along the width axis; each pixel keeps its channels.
            images = keras.ops.reshape(pixels, (-1, *self.image_shape))
            mirrored = keras.ops.reshape(keras.ops.flip(images, axis=2),
                                         (-1, math.prod(self.image_shape)))
            proba = (proba + self.network(mirrored, training=False)) / 2
        return proba


def _require_exporter():
    missing = [name for name in ("onnx", "tf2onnx") if importlib.util.find_spec(name) is None]
    if missing and keras.backend.backend() != "torch":
        raise ImportError(
            f"export_onnx needs {' and '.join(missing)}, which are not installed: "
            "install the optional dependencies with "
            "pip install 'fmnist-estimators[onnx]'."
        )


def _check_exportable(estimator):
    from ._base import _BaseImageClassifier

    if not isinstance(estimator, _BaseImageClassifier):
        raise TypeError(
            "export_onnx exports the package's classifiers (ANNClassifier, "
            f"CNNClassifier), not {type(estimator).__name__}. For a Pipeline, "
            "export its last step (pipeline[-1]) and apply the earlier steps "
            "before calling ONNX Runtime."
        )
    check_is_fitted(estimator, "model_")
    name = type(estimator).__name__
    if estimator.dtype_policy_ != "float32":
        raise ValueError(
            f"This {name} computes in {estimator.dtype_policy_} "
            f"(dtype_policy={estimator.dtype_policy!r}); export_onnx exports "
            "float32 networks only: Keras' ONNX export supports no other "
            "precision (a mixed_bfloat16 graph is refused by ONNX Runtime), and a "
            "float32 graph would not reproduce its predictions. Refit with "
            "dtype_policy='float32' to export it."
        )
    input_dtype = keras.backend.standardize_dtype(estimator.model_.inputs[0].dtype)
    if input_dtype != "float32":
        raise ValueError(
            f"This {name}'s network takes {input_dtype} input (Keras' floatx was "
            f"{input_dtype!r} when it was built); export_onnx exports float32 "
            "networks only. Refit it with keras.config.set_floatx('float32')."
        )


def _metadata(estimator, mirror_average):
    """The key-value pairs stored in the file's ``metadata_props``."""
    classes = estimator.classes_
    try:
        labels = json.dumps(classes.tolist())
    except TypeError as error:
        raise TypeError(
            "export_onnx stores classes_ in the file as JSON, but "
            f"{type(estimator).__name__}'s labels are not JSON values: {error}. "
            "Fit with integer or string labels."
        ) from error
    metadata = {
        "classes": labels,
        "classes_dtype": classes.dtype.str if classes.dtype.kind != "O" else "object",
        "image_shape": json.dumps(list(estimator.image_shape_)),
        "n_features_in": str(estimator.n_features_in_),
        "pixel_scale": repr(float(estimator.pixel_scale_)),
        "test_time_augmentation": json.dumps(bool(mirror_average)),
        "estimator": type(estimator).__name__,
        "fmnist_estimators_version": __version__,
    }
    if hasattr(estimator, "feature_names_in_"):
        metadata["feature_names"] = json.dumps(estimator.feature_names_in_.tolist())
    return metadata


def _name_graph(graph):
    """Name the output ``OUTPUT_NAME`` and the batch axis ``BATCH_DIMENSION``."""
    old = graph.output[0].name
    for node in graph.node:
        node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
        node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
    graph.output[0].name = OUTPUT_NAME
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = BATCH_DIMENSION


def export_onnx(estimator, path, *, opset_version=None):
    """Write a fitted classifier to an ONNX file that ONNX Runtime runs alone.

    The graph takes flat float32 rows of pixels, as they come (raw 0-255
    values for a classifier fitted on raw pixels: the pixel scaling is part of
    the graph), under the input name ``"pixels"``, and returns the class
    probabilities of :meth:`~CNNClassifier.predict_proba` as
    ``"probabilities"``, the mirror-image average of
    ``test_time_augmentation`` included. The class labels, in the columns'
    order, are the JSON list under the ``"classes"`` key of the file's
    metadata, with the image shape and pixel scale beside them. ONNX Runtime
    then predicts without Keras or TensorFlow::

        import json
        import numpy as np
        import onnxruntime as ort

        session = ort.InferenceSession("cnn.onnx")
        classes = np.array(json.loads(
            session.get_modelmeta().custom_metadata_map["classes"]))
        proba = session.run(None, {"pixels": X.reshape(len(X), -1).astype(np.float32)})[0]
        y_pred = classes[proba.argmax(axis=1)]

    Parameters
    ----------
    estimator : ANNClassifier or CNNClassifier
        A fitted classifier computing in float32 (``dtype_policy_`` is
        "float32").
    path : str or path-like
        The file to write, conventionally ending in ``.onnx``. It is written
        atomically: a failed export leaves no file, or the previous one.
    opset_version : int, default=None
        The ONNX operator set; None takes the exporter's default.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    ImportError
        If the exporter's packages are missing (``pip install
        'fmnist-estimators[onnx]'``).
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If the network computes in another precision than float32 (refit with
        ``dtype_policy="float32"``).
    TypeError
        If ``estimator`` is not one of the package's classifiers.

    See Also
    --------
    CNNClassifier.predict_proba : What the exported graph computes.

    Notes
    -----
    The optional dependencies are installed with ``pip install
    'fmnist-estimators[onnx]'``: onnx and tf2onnx to export, onnxruntime to
    predict. See :doc:`/user_guide/deploying` for what the file holds and its
    limits.

    Examples
    --------
    >>> from fmnist_estimators import CNNClassifier, export_onnx
    >>> clf = CNNClassifier(epochs=1).fit(X, y)  # doctest: +SKIP
    >>> export_onnx(clf, "cnn.onnx")  # doctest: +SKIP
    PosixPath('cnn.onnx')
    """
    _check_exportable(estimator)
    _require_exporter()
    import onnx

    mirror_average = bool(estimator.test_time_augmentation) and is_image(
        estimator.image_shape_
    )
    metadata = _metadata(estimator, mirror_average)
    serving = _Serving(estimator.model_, estimator.image_shape_, mirror_average)
    n_features = estimator.n_features_in_
    signature = [keras.InputSpec(shape=(None, n_features), dtype="float32",
                                 name=INPUT_NAME)]
    # Keras exports built models only.
    serving(keras.ops.zeros((1, n_features), dtype="float32"))
    with tempfile.TemporaryDirectory() as folder:
        exported = Path(folder) / "model.onnx"
        with warnings.catch_warnings():
            # Keras' numpy-2 patch of tf2onnx probes the removed np.object.
            warnings.filterwarnings("ignore", message=".*np.object", category=FutureWarning)
            serving.export(exported, format="onnx", verbose=False,
                           input_signature=signature, opset_version=opset_version)
        model = onnx.load(exported)
    _name_graph(model.graph)
    model.doc_string = (
        f"{type(estimator).__name__} exported by fmnist_estimators {__version__}: "
        f"float32 rows of {n_features} pixels as they come (the graph divides "
        f"them by {float(estimator.pixel_scale_):g}) -> probabilities of the "
        "classes in metadata 'classes'."
    )
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path = Path(path)
    with atomic_path(path) as tmp:
        onnx.save(model, tmp)
    return path
