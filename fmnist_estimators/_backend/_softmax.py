"""The output layer's softmax, computed from elementary operations.

TensorFlow's CPU build replaces ``Softmax`` by a oneDNN kernel that, inside
the training step of a small network, took as long as the first dense layer
(16% of the seed ANN's operation time for a 128 x 10 output). Three
elementwise operations and two reductions compute the same probabilities.

The function is named ``softmax``, so a layer that uses it serialises exactly
as ``activation="softmax"`` and a saved model loads anywhere with Keras' own
softmax.
"""

import functools

import keras

# Where Keras' softmax leaves its logits for the cross-entropy to read.
LOGITS_ATTRIBUTE = "_keras_logits"


def softmax(x):
    """Softmax over the last axis: ``exp(x - max(x)) / sum(exp(x - max(x)))``.

    Like :func:`keras.activations.softmax`, it keeps its input as the output's
    ``_keras_logits``, so that TensorFlow's cross-entropy losses work from the
    logits rather than from rounded probabilities.

    Parameters
    ----------
    x : tensor of shape (n_samples, n_classes)
        Logits.

    Returns
    -------
    probabilities : tensor of shape (n_samples, n_classes)
    """
    exp = keras.ops.exp(x - keras.ops.max(x, axis=-1, keepdims=True))
    output = exp / keras.ops.sum(exp, axis=-1, keepdims=True)
    try:
        setattr(output, LOGITS_ATTRIBUTE, x)
    except AttributeError:  # backends whose tensors take no attributes
        pass
    return output


@functools.cache
def keras_keeps_logits():
    """Whether Keras' own softmax leaves its logits where :func:`softmax` does.

    If a Keras release moves them, its losses would read the logits from its
    own softmax but not from this one: the caller then keeps Keras' softmax.
    """
    if keras.backend.backend() != "tensorflow":
        return True  # tensors take no attributes: neither softmax keeps them
    logits = keras.ops.zeros((1, 2))
    return hasattr(keras.activations.softmax(logits), LOGITS_ATTRIBUTE)
