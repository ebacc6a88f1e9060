#!/usr/bin/env bash
# A/B run: benchmark a base git revision and the working tree on this machine, in one job (one
# EMOBENCH_JOB_ID for both), then gate the tree against the base with `emobench compare` -- the
# only setting in which it gates latency (timings of two machines or two jobs are reported,
# never gated).
#
# Each side first trains its checkpoints (its own cache), then the two sides are timed in
# EMOBENCH_AB_ROUNDS interleaved rounds (default 8; the order alternates, base-tree then
# tree-base), each round's results stamped with their `ab_round`: drift of the machine moves
# both sides of a round alike, and the gate tests the rounds' medians pairwise (Wilcoxon
# signed-rank; 7 rounds or more are needed to reach alpha 0.01). Quality and costs are gated as
# in CI; the predictions of every round are the same on one machine.
#
# Usage: scripts/ab_latency.sh BASE_REV OUT_DIR [pytest args, e.g. --emobench-profile ci]
# Writes OUT_DIR/base/ and OUT_DIR/tree/ (results JSON, one file per round), OUT_DIR/ab.md (the
# summary); exits with `emobench compare`'s code (0 pass, 1 regression, 2 cannot compare).
set -euo pipefail
usage="usage: scripts/ab_latency.sh BASE_REV OUT_DIR [pytest args]"
base=${1:?$usage}
out=${2:?$usage}
shift 2
rounds=${EMOBENCH_AB_ROUNDS:-8}
py=${PYTHON:-python3}
root=$(git rev-parse --show-toplevel)
mkdir -p "$out"
out=$(cd "$out" && pwd)
# fresh caches: a checkpoint left by an earlier A/B run of another revision would stand in
# for the one this revision trains (a cache key covers the recipe and data, not the code)
rm -rf "$out/base" "$out/tree" "$out/rounds" "$out/cache-base" "$out/cache-tree"
export EMOBENCH_JOB_ID="ab-$(date -u +%Y%m%dT%H%M%SZ)-$$"
tree="$out/base-tree"
rm -rf "$tree"
git -C "$root" worktree add --detach "$tree" "$base" >/dev/null
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
# the marker is emobench_quality since the plugin's markers were namespaced; a base revision
# from before calls it quality
common=(-q -p no:cacheprovider --benchmark-disable -m "emobench_quality or quality" "$@")

# side NAME DIR RESULTS: the quality cases of one side (training only where its cache lacks a
# checkpoint). `python -m pytest` puts the current folder first on sys.path, so each side
# imports its own emobench_core (the plugin included).
side() {
  (cd "$2" && "$py" -m pytest bench --emobench-cache-dir "$out/cache-$1" \
    --emobench-results-dir "$3" "${common[@]}")
}
side base "$tree" "$out/rounds/train-base"
side tree "$root" "$out/rounds/train-tree"
for r in $(seq 1 "$rounds"); do
  order=(base tree)
  if (( r % 2 == 0 )); then order=(tree base); fi
  for name in "${order[@]}"; do
    dir=$root
    if [[ $name == base ]]; then dir=$tree; fi
    side "$name" "$dir" "$out/rounds/$name-$r"
    # the round's results, stamped with the round (any base revision's results can be paired)
    "$py" - "$out/rounds/$name-$r" "$out/$name" "$r" <<'PY'
import json, pathlib, sys
src, dst, r = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
dst.mkdir(parents=True, exist_ok=True)
for f in sorted(src.glob("*.json")):
    d = json.loads(f.read_text())
    d["environment"]["ab_round"] = r
    (dst / f"{f.stem}-r{r}.json").write_text(json.dumps(d, indent=1) + "\n")
PY
  done
done
"$py" -m emobench_core.cli compare "$out/base" "$out/tree" --markdown "$out/ab.md"
