#!/usr/bin/env bash
# The GPU training-cost study (`emobench perf`) on one CUDA device, sized for a short lease:
#   1. the recipe against the naive Trainer pipeline for the five transformers, one seed,
#      3 epochs (--init auto: pretrained where the weights can be had, else random);
#      DistilBERT's random-init learning rate chosen on validation macro-F1 from two candidates.
#      NO_NAIVE=1 times the recipe alone.
#   2. if time is left: the ladder's last CUDA steps on DistilBERT, each on its own: evaluation
#      batch (fp32), + TF32, + bf16 autocast.
# Every row is saved as it finishes, so a run cut short by the budget still leaves valid JSON
# (marked "complete": false).
#
#   scripts/perf_gpu.sh OUT_DIR [BUDGET_S]     # default budget 540 s
# Dry run on a CPU first: DEVICE=cpu EXTRA="--max-train-rows 200 --epochs 1" scripts/perf_gpu.sh /tmp/x
set -uo pipefail
out=${1:?usage: scripts/perf_gpu.sh OUT_DIR [BUDGET_S]}
budget=${2:-540}
py=${PYTHON:-python3}
device=${DEVICE:-cuda}
read -r -a extra <<<"${EXTRA:-}"
[ "${NO_NAIVE:-0}" = 1 ] && extra+=(--no-naive)
mkdir -p "$out"
start=$SECONDS
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt" 2>&1
timeout $((budget * 2 / 3)) "$py" -m emobench_core.cli --quiet perf \
  --models bert-tiny,bert-mini,bert-small,minilm-l6,distilbert --init auto --device "$device" \
  --select-lr distilbert=1e-4,2e-4 "${extra[@]}" --output "$out/perf-gpu.json" 2>&1 | tee "$out/perf-gpu.log"
left=$((budget - (SECONDS - start)))
echo "perf-gpu: $((SECONDS - start)) s; $left s of the budget left"
if [ "$left" -gt 60 ]; then
  lr=$("$py" -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(next((r["learning_rate"] for r in rows if r["model"] == "distilbert" and r["setup"] == "recipe"), 1e-4))' "$out/perf-gpu.json")
  timeout $((left - 5)) "$py" -m emobench_core.cli --quiet perf --models distilbert --init random \
    --device "$device" --no-naive --ladder distilbert --ladder-from eval-batch \
    --learning-rate-random "$lr" "${extra[@]}" --output "$out/perf-gpu-ladder.json" 2>&1 | tee "$out/perf-gpu-ladder.log"
fi
echo "done in $((SECONDS - start)) s"
