#!/usr/bin/env bash
# The way to run a bench profile: two passes (docs/scaling.md).
#   1. training: quality cases spread over pytest-xdist workers (--dist loadgroup: the cases of
#      one checkpoint on one worker; on CUDA each worker sees one of the devices in
#      CUDA_VISIBLE_DEVICES, round-robin); they share the checkpoint cache, whose per-key file
#      lock makes each checkpoint train once (a teacher too); no latency is timed in a worker;
#   2. measurement: every case serially with the cache warm, so latency is timed on an otherwise
#      idle device; this pass writes the final results JSON and the pytest-benchmark JSON.
# Usage: scripts/run_profile.sh PROFILE OUT_DIR [extra pytest args...]
#   EMOBENCH_WORKERS (default 8) sets the training workers; 1 runs pass 1 without xdist.
#   EMOBENCH_ISOLATE=1 runs pass 1 one case per pytest process, serially, in collection order,
#   so each training's peak memory is its own (not what an earlier training left behind).
#   One shard of K on this machine: add `--splits K --group i` (pytest-split, balanced on
#   .test_durations); give every shard the same EMOBENCH_CACHE_DIR on a shared filesystem.
set -euo pipefail
profile=${1:?usage: scripts/run_profile.sh PROFILE OUT_DIR [pytest args]}
out=${2:?usage: scripts/run_profile.sh PROFILE OUT_DIR [pytest args]}
shift 2
workers=${EMOBENCH_WORKERS:-8}
cache=${EMOBENCH_CACHE_DIR:-$out/cache}
mkdir -p "$out/results"
py=${PYTHON:-python3}
common=(--emobench-profile "$profile" --emobench-cache-dir "$cache")
# the regression gate (--emobench-baseline) judges pass 2's results only: pass 1 trains
# a -k of the caller narrows pass 1's own -k quality (pytest keeps only the last -k)
pass1=() pass2=("$@") quality="quality"
while [ $# -gt 0 ]; do
  case $1 in
    --emobench-baseline) [ $# -gt 1 ] && shift ;;  # and its value
    --emobench-baseline=*) ;;
    -k) [ $# -gt 1 ] && { quality="quality and ($2)"; shift; } ;;
    -k*) quality="quality and (${1#-k})" ;;
    *) pass1+=("$1") ;;
  esac
  shift
done
xdist=()
[ "$workers" -gt 1 ] && xdist=(-p xdist -n "$workers" --dist loadgroup)
start=$(date +%s)
rc1=0 rc2=0
if [ "${EMOBENCH_ISOLATE:-0}" = 1 ]; then
  : > "$out/pass1.log"
  # a bad -k expression or no case selected stops here (pytest still lists every case then)
  collected=$("$py" -m pytest bench --collect-only -q -k "$quality" "${common[@]}" \
    "${pass1[@]}" 2>&1) || {
    printf '%s\n' "$collected" | grep -v '::' | tail -3 >&2
    echo "run_profile.sh: collecting the cases of -k '$quality' failed; nothing was run" >&2
    exit 2
  }
  mapfile -t cases < <(printf '%s\n' "$collected" | grep '::' || true)
  for case in "${cases[@]}"; do
    echo "== $case $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" \
      | tee -a "$out/pass1.log"
    "$py" -m pytest "$case" --benchmark-disable --emobench-results-dir "$out/pass1" \
      "${common[@]}" "${pass1[@]}" -q -rs 2>&1 | tee -a "$out/pass1.log" || rc1=$?
  done
else
  "$py" -m pytest bench "${xdist[@]}" -k "$quality" --benchmark-disable \
    --emobench-results-dir "$out/pass1" "${common[@]}" "${pass1[@]}" -q -rs 2>&1 \
    | tee "$out/pass1.log" || rc1=$?
fi
mid=$(date +%s)
"$py" -m pytest bench --emobench-results-dir "$out/results" \
  --benchmark-json "$out/results/bench.json" "${common[@]}" "${pass2[@]}" -q -rs 2>&1 | tee "$out/pass2.log" \
  || rc2=$?
end=$(date +%s)
echo "pass 1 (training, $workers workers): $((mid - start)) s; pass 2 (measurement): $((end - mid)) s" \
  | tee "$out/timing.txt"
# a missed threshold fails the run, after both passes have written what they measured
exit $((rc1 > rc2 ? rc1 : rc2))
