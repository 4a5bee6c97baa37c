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
    """The processor's name (training times differ between machines of one kind).

    An x86 processor without AVX-512 says so: two machines both named "AMD
    EPYC" here trained the same network at very different speeds.
    """
    for line in _cpuinfo().splitlines():
        if line.startswith("model name"):
            name = line.split(":", 1)[1].strip()
            if platform.machine() == "x86_64" and " avx512f" not in _cpuinfo():
                name += " without AVX-512"
            return name
    return platform.machine()


def has_bfloat16_instructions():
    """Whether the CPU computes in bfloat16 natively (AVX512-BF16 or AMX).

    Without them, Keras' "mixed_bfloat16" policy is emulated and several times
    slower than float32.
    """
    from fmnist_estimators._backend._precision import cpu_has_bfloat16

    return cpu_has_bfloat16()
