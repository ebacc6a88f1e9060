#!/usr/bin/env bash
# A bench profile as a Slurm job array (docs/scaling.md): array task i of K runs shard i
# of the profile (pytest-split, balanced on .test_durations) through scripts/run_profile.sh on its
# node, into OUT_DIR/shard-i; then one fan-in job merges the shards into one leaderboard.
#
#   jid=$(sbatch --parsable --array=1-4 scripts/slurm_array.sh PROFILE OUT_DIR [pytest args...])
#   sbatch --dependency=afterok:$jid scripts/slurm_array.sh --fan-in OUT_DIR
#
# Every task shares one checkpoint cache, EMOBENCH_CACHE_DIR (default OUT_DIR/cache): it must be
# on a filesystem every node mounts, where flock(2) locks hold across nodes and a rename made on
# one node is seen at once on the others (docs/scaling.md says which mounts do); the
# per-entry lock is what makes a checkpoint train once. Run from the checkout, with its
# environment active (pip install -c constraints.txt -e '.[parallel]'). The array must start
# at 1 (pytest-split's --group counts from 1).
#SBATCH --job-name=emobench
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --gpus-per-task=1
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=%x-%A_%a.out
set -euo pipefail
usage="usage: sbatch --array=1-K scripts/slurm_array.sh PROFILE OUT_DIR [pytest args...] | sbatch scripts/slurm_array.sh --fan-in OUT_DIR"

if [ "${1:-}" = "--fan-in" ]; then
  out=${2:?$usage}
  # one leaderboard from every shard; refuses shards of other data, recipes or revisions
  exec emobench report --no-bench --results "$out"/shard-*/results --output "$out/RESULTS.md" \
    --figures-dir "$out/figures"
fi

profile=${1:?$usage}
out=${2:?$usage}
shift 2
: "${SLURM_ARRAY_TASK_ID:?run as a job array: sbatch --array=1-K ...}"
splits=${SLURM_ARRAY_TASK_COUNT:?run as a job array: sbatch --array=1-K ...}
if [ "${SLURM_ARRAY_TASK_MIN:-1}" != 1 ]; then
  echo "the array must be 1-$splits (pytest-split's --group counts from 1)" >&2
  exit 2
fi
group=$SLURM_ARRAY_TASK_ID
export EMOBENCH_CACHE_DIR=${EMOBENCH_CACHE_DIR:-$out/cache}
# one pytest-xdist worker per GPU Slurm gave the task (it sets CUDA_VISIBLE_DEVICES to them)
export EMOBENCH_WORKERS=${EMOBENCH_WORKERS:-${SLURM_GPUS_ON_NODE:-1}}
exec bash scripts/run_profile.sh "$profile" "$out/shard-$group" --splits "$splits" --group "$group" "$@"
