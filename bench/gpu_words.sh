#!/usr/bin/env bash
# One device call for the word trainers' CUDA paths: speed and quality of the Triton
# kernel (256 / 1,024 / 2,048 programs) against the batched torch path, 5 epochs, then
# the Triton kernel at 30 epochs on the settings whose CPU numbers the README gives
# (numba: 0.299 / 0.426 / 0.711). Prepare data/ on the CPU machine first:
#   python -m bench.words_sweep --prepare data/sources.npz
# then run it with carry ["data"] and copy $OUT/*.json into bench/results/.
set -euo pipefail
export PYTHONUNBUFFERED=1 EMBEDDING_EXPLORER_EVAL_DATA=data
OUT=${OUT:-/tmp/gpu-words}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"
python3 -m bench.words_cuda --sources data/sources.npz --backends triton torch \
  --programs 256 1024 2048 --epochs 5 --evaluate --out "$OUT" 2>&1 | tee "$OUT/cuda.log"
python3 -m bench.words_sweep --sources data/sources.npz --only "base w8 d100" --epochs 30 \
  --out "$OUT" 2>&1 | tee "$OUT/sweep.log"
