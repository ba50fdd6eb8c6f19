#!/usr/bin/env bash
# Generates a small session of stems (drums, bass, keys, voice) with tapeop generate, in the
# folder given as $1 (default: stems). Deterministic: the same files every time.
set -euo pipefail
: "${TAPEOP:=tapeop}"
dir=${1:-stems}
dur=${DURATION:-30}
mkdir -p "$dir"
"$TAPEOP" -q generate music    -o "$dir/drums.wav" --duration "$dur" --level -24 --seed 11 --bits 24
"$TAPEOP" -q generate sweep    -o "$dir/bass.wav"  --duration "$dur" --freq 40 --to 160 --level -14 --channels 1 --bits 24
"$TAPEOP" -q generate music    -o "$dir/keys.wav"  --duration "$dur" --level -28 --seed 5 --bits 24
"$TAPEOP" -q generate dialogue -o "$dir/vox.wav"   --duration "$dur" --level -26 --channels 1 --bits 24
