#!/usr/bin/env bash
# A virtual microphone for the end-to-end recording test (and for trying the Audio tab on a
# machine without one): a PulseAudio daemon with a null sink at 16 kHz mono whose monitor
# is the default source. What `paplay` plays into the sink is what a program records from
# ALSA's default device (libasound2-plugins routes it to PulseAudio). Safe to run again.
set -euo pipefail
if ! pactl info >/dev/null 2>&1; then
  pulseaudio --daemonize=yes --exit-idle-time=-1 -n \
    --load=module-native-protocol-unix \
    --load="module-null-sink sink_name=vmic rate=16000 channels=1" 2>/dev/null
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
fi
pactl list short sinks | grep -q vmic || \
  pactl load-module module-null-sink sink_name=vmic rate=16000 channels=1 >/dev/null
pactl set-default-sink vmic
pactl set-default-source vmic.monitor
