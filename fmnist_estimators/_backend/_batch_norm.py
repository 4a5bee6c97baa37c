"""Batch normalisation that trains with TensorFlow's fused kernel.

Keras 3 computes a batch-normalised training step from separate moment,
normalisation and gradient operations. On TensorFlow's CPU build the fused
kernel (one oneDNN primitive forwards, one backwards) does the same work in
a fraction of the time: with it the seed CNN with batch normalisation
trained 1.8x faster on the reference machine (``benchmarks/bench_pipeline.py``).

The layer built here is an ordinary :class:`keras.layers.BatchNormalization`,
so saved models load anywhere without this package; only its training-mode
call is routed to the fused kernel, on the TensorFlow backend, when the
kernel computes exactly what Keras would (4-D input, channels last, no mask,
no renormalisation). bfloat16 input, as under ``mixed_bfloat16``, goes to
the kernel as it is: the kernel computes the statistics and the
normalisation in float32 and rounds the output to bfloat16, which is what
Keras' layer does with its casts, at half the cost of casting around the
float32 kernel. Inference and every other case use Keras' own code.
"""

import types

import keras


def batch_normalization(**kwargs):
    """A ``keras.layers.BatchNormalization`` that trains with the fused kernel.

    Parameters
    ----------
    **kwargs : dict
        Passed to :class:`keras.layers.BatchNormalization`.

    Returns
    -------
    layer : keras.layers.BatchNormalization
    """
    return fuse_batch_norm(keras.layers.BatchNormalization(**kwargs))


def fuse_batch_norm(layer):
    """Route a batch-norm layer's training-mode call to the fused kernel.

    Parameters
    ----------
    layer : keras.layers.BatchNormalization
        Rerouted on the TensorFlow backend, unchanged on the others.

    Returns
    -------
    layer : keras.layers.BatchNormalization
        The same object.
    """
    if keras.backend.backend() == "tensorflow":
        layer.call = types.MethodType(_fused_call, layer)
    return layer


# Input dtypes the fused kernel takes with float32 statistics, as Keras'
# layer computes them.
_FUSABLE_DTYPES = ("float32", "bfloat16")


def _fusable(layer, inputs, training, mask):
    return (
        training
        and layer.trainable
        and mask is None
        and len(inputs.shape) == 4
        and layer.axis % 4 == 3
        and keras.backend.standardize_dtype(inputs.dtype) in _FUSABLE_DTYPES
        and layer.center
        and layer.scale
        # Keras added renormalisation in 3.14: a layer without it does not renormalise.
        and not getattr(layer, "renorm", False)
        and not getattr(layer, "synchronized", False)
    )


def _fused_call(self, inputs, training=None, mask=None):
    if not _fusable(self, inputs, training, mask):
        return keras.layers.BatchNormalization.call(
            self, inputs, training=training, mask=mask
        )
    import tensorflow as tf  # only reached on the TensorFlow backend

    outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
        inputs, self.gamma, self.beta, epsilon=self.epsilon, is_training=True
    )
    # The kernel returns the unbiased variance; Keras' running average uses
    # the biased one, which also normalised this batch.
    n = tf.cast(tf.size(inputs) // tf.shape(inputs)[-1], variance.dtype)
    variance = variance * tf.maximum(n - 1.0, 0.0) / n
    momentum = self.momentum
    self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
    self.moving_variance.assign(
        self.moving_variance * momentum + variance * (1.0 - momentum)
    )
    return tf.cast(outputs, self.compute_dtype)
