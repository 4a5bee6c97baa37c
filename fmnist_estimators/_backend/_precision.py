"""The precision that ``dtype_policy="auto"`` resolves to."""

import functools
from pathlib import Path

import keras

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
        return dtype_policy
    if (
        keras.backend.backend() == "tensorflow"
        and cpu_has_bfloat16()
        and _keras_runs_on_cpu()
    ):
        return "mixed_bfloat16"
    return "float32"
