"""Adam updates that run TensorFlow's fused kernel.

Keras 3 updates each variable with about fifteen separate operations
(moments, bias correction, square root, division, three assignments). On
TensorFlow's CPU build each operation has a fixed cost that a small network
cannot hide: in the seed ANN's training step the Adam operations took 38% of
the operation time. TensorFlow's ``ResourceApplyAdam`` kernel computes the same
update, with the same formula and order of operations, in one operation.

The optimizer stays an ordinary :class:`keras.optimizers.Adam` (or ``AdamW``):
its configuration, saved models and every other backend are untouched; only
its per-variable update is routed to the kernel, on the TensorFlow backend.
Results agree with Keras' own update to the last bit or two of float32 (the
kernel evaluates the same expression in vectorised form). The moments are
read from the optimizer's private slots; where a Keras version keeps them
elsewhere, the update is Keras' own and a warning says so once.
"""

import types

import keras

from ._probes import warn_once

# Keras' private Adam state that the kernel updates in place.
_SLOT_ATTRIBUTES = ("_get_variable_index", "_momentums", "_velocities")


def fuse_adam_updates(optimizer):
    """Route an Adam optimizer's variable updates to TensorFlow's fused kernel.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        The optimizer of a model being compiled. Plain ``Adam`` and ``AdamW``
        without AMSGrad are rerouted on the TensorFlow backend; any other
        optimizer, subclasses included, is returned unchanged.

    Returns
    -------
    optimizer : keras.optimizers.Optimizer
        The same object.
    """
    if (
        keras.backend.backend() == "tensorflow"
        and type(optimizer) in (keras.optimizers.Adam, keras.optimizers.AdamW)
        and not optimizer.amsgrad
    ):
        optimizer.update_step = types.MethodType(_fused_update_step, optimizer)
    return optimizer


def _fused_update_step(self, gradient, variable, learning_rate):
    # Probed here, not when rerouting: the slots exist once the optimizer is built.
    if not all(hasattr(self, name) for name in _SLOT_ATTRIBUTES):
        _warn_unfused()
        return type(self).update_step(self, gradient, variable, learning_rate)
    import tensorflow as tf  # only reached on the TensorFlow backend

    index = self._get_variable_index(variable)
    dtype = variable.dtype
    step = tf.cast(self.iterations + 1, dtype)
    beta_1 = tf.cast(self.beta_1, dtype)
    beta_2 = tf.cast(self.beta_2, dtype)
    # Weight decay (AdamW) was applied before this step, as in Keras' update.
    tf.raw_ops.ResourceApplyAdam(
        var=variable.handle,
        m=self._momentums[index].value.handle,
        v=self._velocities[index].value.handle,
        beta1_power=tf.pow(beta_1, step),
        beta2_power=tf.pow(beta_2, step),
        lr=tf.cast(learning_rate, dtype),
        beta1=beta_1,
        beta2=beta_2,
        epsilon=tf.cast(self.epsilon, dtype),
        grad=tf.cast(gradient, dtype),
    )


def _warn_unfused():
    warn_once(
        f"This Keras {keras.version()} keeps Adam's moments where fmnist_estimators "
        "does not look for them; Adam uses Keras' own update, which is slower on "
        "TensorFlow's CPU build but gives the same results."
    )
