#!/usr/bin/env bash
# A/B run: benchmark a base git revision and the working tree one after the other, on this
# machine, in one job (one EMOBENCH_JOB_ID for both), then gate the tree against the base with
# `emobench compare` -- the only setting in which it gates latency (timings of two machines or
# two jobs are reported, never gated).
#
# Usage: bench/ab_latency.sh BASE_REV OUT_DIR [pytest args, e.g. --emobench-profile ci]
# Writes OUT_DIR/base/ and OUT_DIR/tree/ (results JSON), OUT_DIR/ab.md (the summary); exits
# with `emobench compare`'s code (0 pass, 1 regression, 2 cannot compare).
set -euo pipefail
base=${1:?usage: bench/ab_latency.sh BASE_REV OUT_DIR [pytest args]}
out=${2:?usage: bench/ab_latency.sh BASE_REV OUT_DIR [pytest args]}
shift 2
py=${PYTHON:-python3}
root=$(git rev-parse --show-toplevel)
mkdir -p "$out"
out=$(cd "$out" && pwd)
export EMOBENCH_JOB_ID="ab-$(date -u +%Y%m%dT%H%M%SZ)-$$"
tree="$out/base-tree"
rm -rf "$tree"
git -C "$root" worktree add --detach "$tree" "$base" >/dev/null
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
common=(-q -p no:cacheprovider --benchmark-disable "$@")
# `python -m pytest` puts the current folder first on sys.path, so each side imports its own
# emobench_core (the plugin included); each side trains into its own cache
(cd "$tree" && "$py" -m pytest bench --emobench-cache-dir "$out/cache-base" \
  --emobench-results-dir "$out/base" "${common[@]}")
(cd "$root" && "$py" -m pytest bench --emobench-cache-dir "$out/cache-tree" \
  --emobench-results-dir "$out/tree" "${common[@]}")
"$py" -m emobench_core.cli compare "$out/base" "$out/tree" --markdown "$out/ab.md"
