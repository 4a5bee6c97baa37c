"""Sphinx configuration of the fmnist_estimators documentation.

Build (warnings are errors)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys
from pathlib import Path

# Set before the gallery's examples import Keras: quiet TensorFlow's start-up logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Headless figures while the gallery executes the examples.
os.environ.setdefault("MPLBACKEND", "Agg")

# Document the checkout being built, even without an editable install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fmnist_estimators  # noqa: E402

# The gallery's links to the API resolve every name an example uses; without
# this import scikit-learn refuses to resolve HalvingGridSearchCV when the
# examples are not run (``-D sphinx_gallery_conf.plot_gallery=0``).
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401

project = "fmnist_estimators"
author = "fmnist_estimators developers"
copyright = "fmnist_estimators developers"
release = fmnist_estimators.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "README.md", "check_site.py", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# API reference: one generated page per public name (docs/generated/).
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc's "type" text is plain English ("int, default=3"): do not try to
# cross-reference every word of it.
numpydoc_xref_param_type = False

# No network here: nothing to download, so no external inventories.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    # Fail the build when an example raises.
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # "Examples using X" lists on the API pages.
    "doc_module": ("fmnist_estimators",),
    "backreferences_dir": "gen_modules/backreferences",
    "reset_modules": ("matplotlib",),
}

html_theme = "pydata_sphinx_theme"
# The version is in the page footer; a shorter title leaves the top bar room.
html_title = "fmnist_estimators"
html_theme_options = {
    # Everything is local: no icon links, no analytics, no version switcher.
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # The top bar holds the root toctree's five sections; the rest go under
    # "More". Five short links fit beside the title and search at 1,280 px.
    "header_links_before_dropdown": 5,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc"],
    "show_prev_next": True,
    "footer_start": ["copyright", "package-version"],
}
# Each section's pages in the left sidebar (the user guide, the gallery); the
# landing page has none.
html_sidebars = {"index": [], "why": [], "changelog": [], "contributing": []}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False

# Methods inherited from scikit-learn (score, get_params, set_*_request...)
# bring docstrings that cross-reference scikit-learn's own user guide and
# glossary, which this offline build has no inventory for: keep their text.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]+?)(?:\s*<[^>]*>)?`", re.DOTALL)


def _plain_scikit_learn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] != "sklearn":
        return
    text = _SKLEARN_ROLE.sub(lambda match: " ".join(match.group(1).split()), "\n".join(lines))
    lines[:] = text.split("\n")


def setup(app):
    app.connect("autodoc-process-docstring", _plain_scikit_learn_references)
