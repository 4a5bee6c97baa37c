#!/usr/bin/env bash
# Runs bench_gpu.py on the lent GPU machine, from the bundle that
# benchmarks/gpu_prepare.sh made here. With the device tool:
#   run(command="bash benchmarks/gpu_run.sh", carry=[".gpu"], timeout_s=600)
# The results land in $OUT (the device tool's folder; else the current
# directory) as gpu.jsonl, one line per contender as it finishes, and gpu.md.
#
# Usage: benchmarks/gpu_run.sh [bench_gpu.py options]
# BUNDLE (default .gpu) and BUDGET_S (default 480, seconds for all contenders).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bundle=${BUNDLE:-$repo/.gpu}
out=${OUT:-.}
[ -d "$bundle/wheels" ] && [ -d "$bundle/data/fashion_mnist" ] \
  || { echo "No bundle in $bundle: run benchmarks/gpu_prepare.sh first." >&2; exit 1; }

# A dependency the machine already has (typing_extensions, with PyTorch) is
# kept; the bundle's copy is installed only where it is missing.
wheels=("$bundle"/wheels/*.whl)
for wheel in "$bundle"/wheels-if-missing/*.whl; do
  [ -e "$wheel" ] || continue
  module=$(basename "$wheel" | cut -d- -f1)
  python3 -c "import $module" 2>/dev/null || wheels+=("$wheel")
done
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
python3 -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir \
  --target "$site" "${wheels[@]}"
export PYTHONPATH="$site:$repo" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
python3 -c "import keras, scikeras, fmnist_estimators" \
  || { echo "The bundle's packages do not import on this machine (above)." >&2; exit 1; }

python3 "$repo/benchmarks/bench_gpu.py" --data "$bundle/data" --output "$out/gpu.jsonl" \
  --budget-s "${BUDGET_S:-480}" "$@"
python3 "$repo/benchmarks/bench_gpu.py" --summarise --output "$out/gpu.jsonl"
