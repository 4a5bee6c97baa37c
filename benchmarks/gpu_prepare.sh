#!/usr/bin/env bash
# Prepares what bench_gpu.py needs on the lent GPU machine, which has JAX and
# CUDA but no TensorFlow, no Keras and no network: the wheels it lacks and
# the four Fashion-MNIST files, in an ignored folder that travels with the
# working tree. Run here, from anywhere, with the project's environment set up
# (`make setup`); then, on the GPU machine, `bash benchmarks/gpu_run.sh`.
#
# Usage: benchmarks/gpu_prepare.sh [BUNDLE]   (default: .gpu in the repository)
# PYTHON_VERSION (default 3.12, the GPU machine's) chooses the wheels' Python.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-$repo/.gpu}
python_version=${PYTHON_VERSION:-3.12}
venv_python=$repo/.venv/bin/python
[ -x "$venv_python" ] || { echo "No $venv_python: run 'make setup' first." >&2; exit 1; }

# The GPU machine has the other dependencies (numpy, scikit-learn, pandas,
# matplotlib, h5py, ml-dtypes, rich, absl-py, packaging, and typing-extensions
# with PyTorch). These are pinned to the versions tested here; the ones in
# wheels-if-missing are installed only where the machine lacks them.
pinned() {
  local name version
  for name in "$@"; do
    version=$("$venv_python" -c "import importlib.metadata as m; print(m.version('$name'))" \
              2>/dev/null || true)
    [ -n "$version" ] || { echo "$name is not installed in .venv." >&2; exit 1; }
    echo "$name==$version"
  done
}
mapfile -t packages < <(pinned keras scikeras namex optree)
mapfile -t fallbacks < <(pinned typing-extensions)
[ "${#packages[@]}" -eq 4 ] && [ "${#fallbacks[@]}" -eq 1 ] || exit 1

# Built in a temporary folder and moved into place, so that a failed
# download never leaves a half-made bundle behind.
# Replaces an earlier bundle, never another folder given by mistake.
if [ -e "$bundle" ] && [ ! -d "$bundle/wheels" ]; then
  echo "$bundle exists and is not a bundle; choose another folder." >&2
  exit 1
fi
staging=$(mktemp -d "${bundle%/}.partial.XXXXXX")
trap 'rm -rf "$staging"' EXIT
chmod 755 "$staging"
download() {
  "$venv_python" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version "$python_version" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$@"
}
download "$staging/wheels" "${packages[@]}"
download "$staging/wheels-if-missing" "${fallbacks[@]}"

# The library's loader finds the files (cache, Debian's copy or a download)
# and checks their SHA-256; bench_gpu.py reads them from DATA/fashion_mnist/
# with downloads off.
mkdir -p "$staging/data/fashion_mnist"
"$venv_python" - "$staging/data/fashion_mnist" <<'PY'
import sys
from pathlib import Path

from sklearn.datasets import get_data_home

from fmnist_estimators.datasets import _fashion_mnist, _files

data_home = Path(get_data_home()) / "fashion_mnist"
for images, labels in _fashion_mnist._SPLITS.values():
    for filename in (images, labels):
        raw, _, _ = _files._load_raw(filename, data_home, download_if_missing=True)
        (Path(sys.argv[1]) / filename).write_bytes(raw)
PY

rm -rf "$bundle"
mv "$staging" "$bundle"
trap - EXIT
du -sh "$bundle"
ls "$bundle/wheels" "$bundle/wheels-if-missing" "$bundle/data/fashion_mnist"
