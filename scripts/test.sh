#!/usr/bin/env bash
# Set everything up, then run the whole test suite (lint, architecture contract, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Triton for the CUDA kernel's tests (interpreter + sm_90 compile; no GPU needed). Where a
# CUDA torch already brought it, pip keeps that version. pocketsphinx for the audio
# benchmark's test (the recogniser extra).
.venv/bin/python -m pip install -q -e ".[dev,kernels,glove,recogniser]"
.venv/bin/ruff check .
.venv/bin/lint-imports
# The microphone test records through a real audio path: a PulseAudio null sink whose
# monitor is the default source.
bash scripts/virtual_mic.sh
# GUI tests need an X server with OpenGL: Xvfb + Mesa. pytest exits 5 when it collects
# no test, and set -e turns that into a failure, as it should be.
xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m pytest -q "$@"
