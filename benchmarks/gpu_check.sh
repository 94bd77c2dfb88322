#!/usr/bin/env bash
# The GPU checks of issue 11, prepared for one call on a machine with CUDA (not run in the session
# that wrote it: it had no GPU). Figures and logs go to $OUT (at most 8 files).
#
#   bash benchmarks/gpu_check.sh          # quick: CUDA tests + sampler/embed/train micro-benchmarks +
#                                         #   the study at --scale 0.1; every step has its own time limit,
#                                         #   8.3 minutes at most in all
#   bash benchmarks/gpu_check.sh study    # the study at full scale, alone (give it a whole 10-minute call;
#                                         #   it stops at 570 s and writes what it measured so far)
#
# Run it from the repository root with the project importable (PYTHONPATH=$PWD) and its dependencies
# installed; on the device machine prefix the command as ../shared/device/README.md says.
set -uo pipefail
OUT=${OUT:-gpu-figures}
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 PYTHONPATH=${PYTHONPATH:-$PWD}
PY=${PYTHON:-python3}
SUMMARY="$OUT/summary.txt"
WORKERS=$(( $(nproc) > 2 ? $(nproc) - 2 : 1 ))

step() {  # step NAME LIMIT_S LOG COMMAND...: run with a time limit, append output to LOG, note rc and time
    local name=$1 limit=$2 log=$3
    shift 3
    local started=$SECONDS
    echo "### $name: $*" >> "$log"
    timeout --signal=INT --kill-after=10 "$limit" "$@" >> "$log" 2>&1
    echo "$name: rc=$? in $(( SECONDS - started )) s (limit $limit s)" | tee -a "$SUMMARY"
}

{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no nvidia-smi"
    $PY -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
    echo "cores $(nproc), workers $WORKERS"
} >> "$SUMMARY" 2>&1

if [ "${1:-quick}" = "study" ]; then
    step study-full 570 "$OUT/study.txt" $PY benchmarks/study.py --model base --train-batch-size 16 \
        --workers "$WORKERS" --json "$OUT/study.json"
    exit 0
fi

# 1. The CUDA-only tests (bf16 vectors) and the GPU-sensitive resume test. The device-generic sampler
#    (CPU = GPU bits) waits in commit 0056929 (reverted by 770ce4f) for a GPU measurement.
step tests 90 "$OUT/tests.txt" $PY -m pytest -q -p no:cacheprovider -k "cuda or sigkill" \
    tests/embeddings/test_embeddings_pixels.py tests/embeddings/test_embeddings_resume.py
step tests-training 80 "$OUT/tests.txt" $PY -m pytest -q -p no:cacheprovider -x tests/training

# 2. The sampler at the study's scale (CPU today; the GPU path is in commit 0056929).
step sample 45 "$OUT/sample.txt" $PY benchmarks/sample.py

# 3. Embedding, SigLIP-base shape, bf16 weights, uint8 images (targets: >= 3,000 images/s, >= 15,000 texts/s).
step embed-base 100 "$OUT/embed.txt" $PY benchmarks/embed.py --arch base --records 10000 --workers "$WORKERS"

# 4. Training, SigLIP-base shape, at batch 256 (target >= 2,000 pairs/s) and the study's 16.
step train-256 70 "$OUT/train.txt" $PY benchmarks/train.py --arch base --pairs 6000 --batch-size 256 --workers 8
step train-16 45 "$OUT/train.txt" $PY benchmarks/train.py --arch base --pairs 2000 --batch-size 16 --workers 8

# 5. The whole study through hw run's stages at a tenth of its scale.
step study-0.1 70 "$OUT/study.txt" $PY benchmarks/study.py --scale 0.1 --model base --train-batch-size 16 \
    --workers "$WORKERS" --json "$OUT/study.json"
