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


def test_api_page_and_recipes_cover_every_family():
    """A family in the registry is documented and has its seed recipe."""
    from pathlib import Path

    from fmnist_estimators import list_recipes
    from fmnist_estimators._registry import FAMILIES

    api = (Path(__file__).parents[1] / "docs" / "api.rst").read_text()
    for family in FAMILIES.values():
        assert f"\n   {family.estimator}\n" in api, family.estimator
        assert family.seed_recipe in list_recipes()
        assert family.estimator_class().__name__ == family.estimator
        assert callable(family.search_space_function())


def test_registry_is_light():
    """The command line reads the registry before TensorFlow may load."""
    code = (
        "import sys; import fmnist_estimators._registry; "
        "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_api_page_lists_every_public_name():
    from pathlib import Path

    api = (Path(__file__).parents[1] / "docs" / "api.rst").read_text()
    missing = [name for name in fmnist_estimators.__all__
               if name != "__version__" and f"\n   {name}\n" not in api]
    assert not missing
