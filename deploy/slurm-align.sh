#!/bin/bash
# mirage align sharded over a Slurm array job, then merged (docs/scale-out.md).
#
# Each array task runs one shard: mirage reads SLURM_ARRAY_TASK_ID, _MIN, _MAX and _COUNT, so
# shard I of N is task MIN+I of an array MIN-MAX (no step, no gaps). The model, the data and
# OUT are on a file system every node sees. The task that finishes last (the one that finds
# every shard's DONE marker) merges the shards' scored.jsonl into OUT/scored.jsonl and writes
# OUT/passk.csv and OUT/passk.svg. A task that failed or was preempted can be resubmitted
# alone (sbatch --array=I); it continues its shard with --resume, and the last to finish merges.
#
#   MODEL=/shared/models/qwen2.5-math-1.5b DATA=/shared/data/math500.parquet OUT=/shared/runs/q15 \
#     sbatch --array=0-7 deploy/slurm-align.sh
#
# Environment: MODEL, DATA, OUT (required); MIRAGE (the binary, default mirage); N (samples per
# problem, default 256); LIMIT (only the first LIMIT problems of DATA, for a trial run; default
# all: the merge and pass@k then check those, so pass it here, not as --limit in ALIGN_ARGS);
# ALIGN_ARGS (more mirage align flags, e.g. "--device cuda --max-new-tokens 4096").
#
#SBATCH --job-name=mirage-align
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --output=mirage-align-%A_%a.log
set -euo pipefail

: "${MODEL:?set MODEL to the model folder}" "${DATA:?set DATA to the problems file}" "${OUT:?set OUT to the run folder}"
: "${SLURM_ARRAY_TASK_ID:?run as a Slurm array job (sbatch --array=0-7)}"
MIRAGE=${MIRAGE:-mirage}
N=${N:-256}
LIMIT=${LIMIT:-0}
shard=$((SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN))
dir="$OUT/shard-$shard"
mkdir -p "$dir"

# ALIGN_ARGS is split into words on purpose.
# shellcheck disable=SC2086
"$MIRAGE" align --model "$MODEL" --data "$DATA" --n "$N" --temperature 1 --top-p 1 --seed 0 \
  --limit "$LIMIT" --resume --quiet --out-dir "$dir" ${ALIGN_ARGS:-}
touch "$dir/DONE"

done_count=$(find "$OUT" -mindepth 2 -maxdepth 2 -path "$OUT/shard-*/DONE" | wc -l)
# mkdir is atomic: of tasks that finish together, one merges. A failed merge frees the lock
# for the next try; delete OUT/.merge to merge again after a shard was rerun.
if [ "$done_count" -ge "$SLURM_ARRAY_TASK_COUNT" ] && mkdir "$OUT/.merge" 2>/dev/null; then
  shards=()
  for ((i = 0; i < SLURM_ARRAY_TASK_COUNT; i++)); do shards+=("$OUT/shard-$i/scored.jsonl"); done
  "$MIRAGE" merge "${shards[@]}" --data "$DATA" --limit "$LIMIT" --out "$OUT/scored.jsonl" --overwrite &&
    "$MIRAGE" passk --in "$OUT/scored.jsonl" --data "$DATA" --limit "$LIMIT" --csv "$OUT/passk.csv" --plot "$OUT/passk.svg" ||
    { rmdir "$OUT/.merge"; exit 1; }
fi
