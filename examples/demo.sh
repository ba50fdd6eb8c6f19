#!/usr/bin/env bash
# make demo: the full example session on built-in generated material.
#   1. generate a small session of stems (drums, bass, keys, voice)
#   2. QC the stems against the stem-prep spec
#   3. run the session recipe: gain staging, per-stem chains, mix, bus chain, master to
#      -14 LUFS / -1 dBTP, deliver a 24-bit FLAC for streaming and a 16-bit 44.1 kHz CD WAV,
#      and QC the deliverables as written
#   4. measure the deliverables
# Everything goes to ./demo-out (re-created each time).
set -euo pipefail
: "${TAPEOP:=build/tapeop}"
here=$(cd "$(dirname "$0")" && pwd)
out=demo-out
rm -rf "$out" && mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

say "1. Generating the stems (deterministic test material) into $out/stems"
TAPEOP="$TAPEOP" bash "$here/full-session/make-stems.sh" "$out/stems"
"$TAPEOP" info "$out"/stems/*.wav

say "2. QC of the stems (spec: stem)"
"$TAPEOP" check "$out"/stems/*.wav --spec stem || true

say "3. The session: examples/full-session/session.recipe"
"$TAPEOP" run "$here/full-session/session.recipe" -o "$out/session" --set "stems=$(cd "$out/stems" && pwd)"

say "4. The deliverables, measured"
"$TAPEOP" analyze "$out"/session/*.flac "$out"/session/*.wav

printf '\nDone: deliverables in %s/session/, stems in %s/stems/.\n' "$out" "$out"
