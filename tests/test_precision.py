"""dtype_policy="auto": bfloat16 only where the hardware computes it natively."""

import keras
import pytest

from fmnist_estimators import CNNClassifier, make_recipe
from fmnist_estimators._backend import _precision
from fmnist_estimators._backend._precision import resolve_dtype_policy


class _FakeCpuinfo:
    """Stands in for ``Path("/proc/cpuinfo")``."""

    text = None

    def __init__(self, path):
        pass

    def read_text(self):
        if self.text is None:
            raise FileNotFoundError("/proc/cpuinfo")
        return self.text


@pytest.mark.parametrize(
    "cpuinfo, expected",
    [
        ("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n", True),
        ("processor\t: 0\nflags\t\t: fpu amx_bf16 amx_tile\n", True),
        # AVX-512 alone multiplies bfloat16 only by emulation.
        ("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n", False),
        ("processor\t: 0\n", False),
        (None, False),  # no /proc/cpuinfo: not Linux
    ],
)
def test_cpu_has_bfloat16_reads_the_processor_flags(monkeypatch, cpuinfo, expected):
    monkeypatch.setattr(_FakeCpuinfo, "text", cpuinfo)
    monkeypatch.setattr(_precision, "Path", _FakeCpuinfo)
    assert _precision.cpu_has_bfloat16.__wrapped__() is expected


@pytest.mark.parametrize("name", ["float32", "mixed_bfloat16", "mixed_float16"])
def test_explicit_policies_are_kept(monkeypatch, name):
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: True)
    assert resolve_dtype_policy(name) == name


@pytest.mark.parametrize(
    "has_bfloat16, on_cpu, expected",
    [
        (True, True, "mixed_bfloat16"),
        (False, True, "float32"),  # emulated: several times slower
        (True, False, "float32"),  # a GPU: no gain measured on small networks
    ],
)
def test_auto_follows_the_hardware(monkeypatch, has_bfloat16, on_cpu, expected):
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: has_bfloat16)
    monkeypatch.setattr(_precision, "_keras_runs_on_cpu", lambda: on_cpu)
    if keras.backend.backend() != "tensorflow":
        expected = "float32"  # measured to pay with TensorFlow's kernels only
    assert resolve_dtype_policy("auto") == expected


@pytest.mark.parametrize(
    "devices, expected",
    [(["cpu:0"], True), (["gpu:0", "gpu:1"], False), (["tpu:0"], False), ([], True)],
)
def test_keras_runs_on_cpu_reads_keras_devices(monkeypatch, devices, expected):
    monkeypatch.setattr(keras.distribution, "list_devices", lambda: devices)
    assert _precision._keras_runs_on_cpu() is expected


def test_keras_runs_on_cpu_without_the_device_api(monkeypatch):
    def unsupported():
        raise NotImplementedError("no distribution support on this backend")

    monkeypatch.setattr(keras.distribution, "list_devices", unsupported)
    assert _precision._keras_runs_on_cpu() is False


def test_auto_is_resolved_when_the_network_is_built(monkeypatch, fashion_train):
    X, y = fashion_train
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: True)
    monkeypatch.setattr(_precision, "_keras_runs_on_cpu", lambda: True)
    clf = CNNClassifier(dtype_policy="auto", filters=(8,), dense_units=(16,))
    clf.initialize(X[:50], y[:50])
    on_tensorflow = keras.backend.backend() == "tensorflow"
    expected = "mixed_bfloat16" if on_tensorflow else "float32"
    assert clf.dtype_policy == "auto"
    assert clf.dtype_policy_ == expected
    convolution = next(l for l in clf.model_.layers if type(l).__name__ == "Conv2D")
    assert convolution.dtype_policy.name == expected
    assert clf.model_.layers[-1].compute_dtype == "float32"
    assert keras.config.dtype_policy().name == "float32"


def test_seed_cnn_recipes_use_auto_and_seed_ann_float32():
    assert make_recipe("seed-cnn").dtype_policy == "auto"
    assert make_recipe("fast-cnn").dtype_policy == "auto"
    assert make_recipe("seed-ann").dtype_policy == "float32"
    assert make_recipe("seed-cnn", dtype_policy="float32").dtype_policy == "float32"


@pytest.mark.parametrize("compiles_right", [True, False])
def test_bfloat16_is_refused_where_jax_compiles_it_wrongly(monkeypatch, compiles_right):
    # As with JAX 0.11.2 on a CPU, whose compiled bfloat16 networks return NaN.
    monkeypatch.setattr(_precision, "_on_jax_cpu", lambda: True)
    monkeypatch.setattr(_precision, "_jax_compiles_bfloat16_block", lambda: compiles_right)
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: True)
    for name in ["float32", "mixed_float16", "auto"]:
        assert resolve_dtype_policy(name) in (name, "float32", "mixed_bfloat16")
    for name in ["mixed_bfloat16", "bfloat16"]:
        if compiles_right:
            assert resolve_dtype_policy(name) == name
        else:
            with pytest.raises(ValueError, match=f"dtype_policy='{name}' cannot be used"):
                resolve_dtype_policy(name)


def test_bfloat16_is_refused_before_fitting(monkeypatch, fashion_train):
    X, y = fashion_train
    monkeypatch.setattr(_precision, "_on_jax_cpu", lambda: True)
    monkeypatch.setattr(_precision, "_jax_compiles_bfloat16_block", lambda: False)
    clf = CNNClassifier(dtype_policy="mixed_bfloat16", filters=(8,), dense_units=(16,))
    with pytest.raises(ValueError, match="dtype_policy='float32'"):
        clf.fit(X[:50], y[:50])
    assert not hasattr(clf, "model_")
