"""What the benchmarks record about the machine they ran on."""

import contextlib
import functools
import platform
from pathlib import Path


@functools.cache
def _cpuinfo():
    with contextlib.suppress(OSError):
        return Path("/proc/cpuinfo").read_text()
    return ""


def cpu_model():
    """The processor's name (training times differ between machines of one kind)."""
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def has_bfloat16_instructions():
    """Whether the CPU computes in bfloat16 natively (AVX512-BF16 or AMX).

    Without them, Keras' "mixed_bfloat16" policy is emulated and several times
    slower than float32.
    """
    from fmnist_estimators._backend._precision import cpu_has_bfloat16

    return cpu_has_bfloat16()
