"""The precision that ``dtype_policy="auto"`` resolves to, and where bfloat16 is refused."""

import functools
from pathlib import Path

import keras
import numpy as np

# x86 processors that multiply bfloat16 natively, as Linux names them.
_BFLOAT16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


@functools.cache
def cpu_has_bfloat16():
    """Whether the processor computes in bfloat16 natively (AVX512-BF16 or AMX).

    Read from ``/proc/cpuinfo``; False where that file does not exist (other
    operating systems), so that "auto" falls back to float32 there.
    """
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return bool(_BFLOAT16_CPU_FLAGS & set(line.split(":", 1)[1].split()))
    return False


def _keras_runs_on_cpu():
    """Whether Keras computes on the CPU (no GPU or TPU visible to its backend)."""
    try:
        devices = keras.distribution.list_devices()
    except (AttributeError, NotImplementedError):  # backends without the API
        return False
    return all(device.lower().startswith("cpu") for device in devices)


def resolve_dtype_policy(dtype_policy):
    """The Keras dtype policy to build with: ``dtype_policy`` unless it is "auto".

    "auto" is "mixed_bfloat16" where it was measured to pay: TensorFlow on a
    CPU with bfloat16 instructions (on a 2-core AMD EPYC the seed CNN trained
    1.5-1.6x faster at the same accuracy). Everywhere else it is "float32":
    bfloat16 is emulated, several times slower, on CPUs without the
    instructions; on an H200 with JAX it did not speed up the study's small
    network (TensorFlow on a GPU was not measured); other backends' CPU
    kernels were not measured.
    """
    if dtype_policy != "auto":
        _check_bfloat16_compiles(dtype_policy)
        return dtype_policy
    if (
        keras.backend.backend() == "tensorflow"
        and cpu_has_bfloat16()
        and _keras_runs_on_cpu()
    ):
        return "mixed_bfloat16"
    return "float32"


def _check_bfloat16_compiles(dtype_policy):
    """Refuse a bfloat16 policy where JAX's CPU compiler computes it wrongly.

    With JAX 0.11.2 on a CPU (an x86 Xeon with AMX-BF16; JAX 0.10.2 on the
    same machine is right), a compiled bfloat16 block of two convolutions of
    64 filters with batch norm and ReLU, then max pooling, returns NaN and
    infinities where Keras' eager call returns numbers: a fitted CNN then
    predicts one class for every image. Where a bfloat16 policy meets JAX on
    a CPU, such a block is compiled once per process and compared.
    """
    if keras.dtype_policies.get(dtype_policy).compute_dtype != "bfloat16":
        return
    if _on_jax_cpu() and not _jax_compiles_bfloat16_block():
        import jax  # the JAX backend is in use

        raise ValueError(
            f"dtype_policy={dtype_policy!r} cannot be used with JAX {jax.__version__} "
            "on this CPU: its compiler returns NaN for a bfloat16 convolution, batch "
            "norm and max-pooling block that Keras computes correctly uncompiled, so "
            "the fitted network's predictions would be wrong. Use "
            "dtype_policy='float32' (or 'auto'), or the TensorFlow backend."
        )


def _on_jax_cpu():
    """Whether Keras runs on JAX's CPU backend."""
    return keras.backend.backend() == "jax" and _keras_runs_on_cpu()


@functools.cache
def _jax_compiles_bfloat16_block():
    """Whether a compiled bfloat16 convolution block matches Keras' eager call.

    The block's weights are seeded and its layers named, so that building it
    moves neither Keras' global random state nor its layer-name counters.
    """
    layers = [keras.Input((8, 8, 1))]
    for index in range(2):
        layers += [
            keras.layers.Conv2D(
                64, 3, padding="same", use_bias=False, dtype="mixed_bfloat16",
                kernel_initializer=keras.initializers.GlorotUniform(seed=index),
                name=f"bfloat16_check_conv_{index}",
            ),
            keras.layers.BatchNormalization(
                dtype="mixed_bfloat16", name=f"bfloat16_check_batch_norm_{index}"
            ),
            keras.layers.ReLU(dtype="mixed_bfloat16", name=f"bfloat16_check_relu_{index}"),
        ]
    layers.append(keras.layers.MaxPooling2D(dtype="mixed_bfloat16", name="bfloat16_check_pool"))
    block = keras.Sequential(layers, name="bfloat16_check")
    images = np.random.default_rng(0).uniform(size=(2, 8, 8, 1)).astype("float32")
    eager = keras.ops.convert_to_numpy(block(images, training=False)).astype("float32")
    # Keras' predict compiles the block on JAX, as it does a fitted network.
    compiled = np.asarray(block.predict_on_batch(images), dtype="float32")
    return bool(np.isfinite(compiled).all() and np.allclose(compiled, eager, atol=0.1))
