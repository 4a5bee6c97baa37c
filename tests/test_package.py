"""The package's public surface and its import cost."""

import subprocess
import sys

import fmnist_estimators


def test_import_loads_no_heavy_dependency():
    code = (
        "import sys, fmnist_estimators\n"
        "heavy = {'keras', 'tensorflow', 'jax', 'sklearn', 'pandas', 'matplotlib'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in fmnist_estimators.__all__:
        assert getattr(fmnist_estimators, name) is not None
    assert set(fmnist_estimators.__all__) <= set(dir(fmnist_estimators))
    assert fmnist_estimators.__version__.startswith("0.")
