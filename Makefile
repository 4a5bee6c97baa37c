# Set-up is part of every target: a fresh machine needs only `make study` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATASET_DIR := /usr/share/datasets/fashion-mnist
STAMP := $(VENV)/.installed
# Every dependency at the floor pyproject.toml declares, for the smoke tests.
MIN_VENV := .venv-minimum
MIN_STAMP := $(MIN_VENV)/.installed

.PHONY: setup system-packages study test test-minimum docs clean

setup: $(STAMP) system-packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[tests,tune,cluster]"
	touch $(STAMP)

# Debian ships the original Fashion-MNIST files (without them the library
# downloads the data on first use), the Chromium that checks the report and
# the PostgreSQL server that tests/test_optuna_storage.py starts.
system-packages:
	@missing=""; \
	[ -d $(DATASET_DIR) ] || missing="$$missing dataset-fashion-mnist"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq $$missing; \
	  else \
	    echo "Not installed (needs root and apt-get):$$missing"; \
	  fi; \
	fi

study: setup
	$(BIN)/fmnist-estimators study --preset seed --output study-output --overwrite

test: setup
	$(BIN)/python -m pytest

$(MIN_STAMP): pyproject.toml .ci/minimum_versions.py
	rm -rf $(MIN_VENV)
	$(PYTHON) -m venv $(MIN_VENV)
	$(PYTHON) .ci/minimum_versions.py pyproject.toml > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/pip install --quiet -c $(MIN_VENV)/constraints.txt -e ".[tune,cluster]" pytest jax
	touch $(MIN_STAMP)

# The smoke tests (tests/smoke) with the oldest versions the package accepts.
test-minimum: $(MIN_STAMP) system-packages
	$(MIN_VENV)/bin/python -m pytest tests/smoke

# The site with every gallery example run on 10,000 training images (enough for
# their comparisons to hold), then checked in Chromium.
docs: setup
	$(BIN)/pip install --quiet -e ".[docs]"
	FMNIST_EXAMPLES_N_TRAIN=10000 $(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
	$(BIN)/python docs/check_site.py docs/_build/html --screenshots docs/_build/screenshots

clean:
	rm -rf $(VENV) $(MIN_VENV) study-output study-output.partial
