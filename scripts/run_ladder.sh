#!/usr/bin/env bash
# The size-ladder study (the cpu profile) one model group at a time, resumable across sessions
# (results/cpu/RUN.md): each group is a whole run_profile.sh run (training with each case in its
# own process, then measurement on the idle machine), so its results JSON are complete when it
# ends and can be committed before the next group starts; a group whose run ended with exit 0
# is skipped on a re-run, and a cut-off group resumes from the checkpoint cache.
# Usage: scripts/run_ladder.sh OUT_DIR [GROUP ...]   (default: every group, in the study's order)
#   EMOBENCH_CACHE_DIR: the checkpoint cache shared by the groups (default: OUT_DIR/cache)
set -euo pipefail
out=${1:?usage: scripts/run_ladder.sh OUT_DIR [GROUP ...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
declare -A expr=(
  [bert-tiny]="bert-tiny and not kd and not claim"
  [bert-mini]="bert-mini and not kd and not claim"
  [bert-small]="bert-small and not kd and not claim"
  [minilm-l6-pretrained]="minilm-l6 and pretrained and not kd and not claim"
  [minilm-l6-random]="minilm-l6 and random and not kd and not claim"
  [distilbert]="distilbert and not claim"
  [kd-bert-tiny]="bert-tiny and kd and not claim"
  [kd-bert-mini]="bert-mini and kd and not claim"
  [kd-bert-small]="bert-small and kd and not claim"
  [tfidf-svm]="tfidf-svm and not claim"
)
order=(bert-tiny bert-mini tfidf-svm minilm-l6-pretrained kd-bert-tiny kd-bert-mini bert-small
  minilm-l6-random kd-bert-small distilbert)
[ $# -gt 0 ] && order=("$@")
for group in "${order[@]}"; do
  [ -n "${expr[$group]+x}" ] || { echo "unknown group '$group'; one of: ${!expr[*]}" >&2; exit 2; }
done
export EMOBENCH_CACHE_DIR=${EMOBENCH_CACHE_DIR:-$out/cache}
# the committed study (results/cpu) trained in bf16 autocast; a CPU without native bf16 trains
# in fp32 instead, several times slower and to other networks: say so before hours of training
if ! "${PYTHON:-python3}" -c 'import sys; from emobench_core.measure.hardware import cpu_has_bf16; sys.exit(0 if cpu_has_bf16() else 1)'; then
  echo "run_ladder.sh: warning: this CPU has no native bf16 (AVX512-BF16 or AMX): its rows train in fp32, unlike results/cpu/ (bf16 autocast), and slower" >&2
fi
for group in "${order[@]}"; do
  if [ -e "$out/$group/done" ]; then
    echo "== $group: done earlier ($out/$group/done)"
    continue
  fi
  echo "== $group start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  rc=0
  EMOBENCH_ISOLATE=1 EMOBENCH_WORKERS=1 bash "$here/run_profile.sh" cpu "$out/$group" \
    -k "${expr[$group]}" || rc=$?
  echo "== $group end $(date -u +%FT%TZ) rc $rc load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  [ "$rc" -eq 0 ] && date -u +%FT%TZ > "$out/$group/done"
done
