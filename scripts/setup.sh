#!/usr/bin/env bash
# Set up Embedding Explorer on a fresh Debian/Ubuntu machine: system packages (data
# sources, Xvfb/Mesa for the GUI and its tests, PortAudio for the microphone), a .venv
# in the repository root, and the Python dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc
  # the default corpus (engine/words/corpus.py)
  wordnet-base dict-gcide bible-kjv bible-kjv-text fortunes fortunes-min
  # the labelled pictures of the image-label space (engine/images/); cairo draws SVGs
  tuxpaint-stamps-default libcairo2
  # emoji in three styles for the picture set (engine/images/emoji.py)
  fonts-noto-color-emoji fonts-symbola fonts-unifont
  # Qt under Xvfb with Mesa OpenGL (3D views and GUI tests)
  xvfb xauth libgl1-mesa-dri libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0
  libxcb-xkb1 libxcb-xfixes0 libxcb-sync1 libx11-xcb1
  # the spoken-word set of the audio-word space (engine/audio/voices.py)
  espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
  # microphone capture through sounddevice; sound files through soundfile
  libportaudio2 libsndfile1
  # a virtual microphone for the recording test (scripts/virtual_mic.sh)
  pulseaudio pulseaudio-utils libasound2-plugins
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# torch first and pinned: on a machine without an NVIDIA GPU this Debian serves a CPU
# build from local disk, so set-up never pulls several GB of CUDA wheels.
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev,glove]"
