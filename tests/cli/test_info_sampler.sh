#!/usr/bin/env bash
# info shows a WAV's sampler data (smpl: base note, loops) in text and in --json (`instrument`),
# and a file without it has `instrument: null`. The smpl chunk is built byte by byte here
# (RIFF smpl layout: 9 header fields, then 6 fields per loop), so the reader is checked
# against an independent writer. libsndfile reports a loop end one past smpl's inclusive end.
source "$(dirname "$0")/lib.sh"
V="python3 $TAPEOP_SOURCE_DIR/tests/cli/validate_json.py"
# schema_ok JSON: matches docs/schema/info.json.
schema_ok() { echo "$1" >info.json; $V "$TAPEOP_SOURCE_DIR/docs/schema/info.json" info.json || fail "schema: $1"; pass; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

"$TAPEOP" -q generate sine -o plain.wav --duration 2 --rate 48000
python3 - plain.wav looped.wav <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
# smpl: manufacturer, product, sample period (ns), MIDI unity note 60, pitch fraction,
# SMPTE format, SMPTE offset, 2 loops, no sampler data; loops: id, type, start, end, fraction, count.
body = struct.pack('<9I', 0, 0, 20833, 60, 0, 0, 0, 2, 0)
body += struct.pack('<6I', 1, 0, 4800, 9599, 0, 0)
body += struct.pack('<6I', 2, 1, 24000, 47999, 0, 3)
data += b'smpl' + struct.pack('<I', len(body)) + body
struct.pack_into('<I', data, 4, len(data) - 8)
open(sys.argv[2], 'wb').write(data)
PY

J=$("$TAPEOP" --json info looped.wav)
schema_ok "$J"
[ "$(field 'd["files"][0]["instrument"]["basenote"]' <<<"$J")" = 60 ] || fail "basenote: $J"; pass
[ "$(field 'len(d["files"][0]["instrument"]["loops"])' <<<"$J")" = 2 ] || fail "loops: $J"; pass
[ "$(field '[(l["mode"], l["start"], l["end"], l["count"]) for l in d["files"][0]["instrument"]["loops"]]' <<<"$J")" = \
  "[('forward', 4800, 9600, 0), ('alternating', 24000, 48000, 3)]" ] || fail "loop values: $J"; pass
T=$("$TAPEOP" info looped.wav)
grep -q "loop forward 4800-9600" <<<"$T" || fail "text: $T"; pass

J=$("$TAPEOP" --json info plain.wav)
schema_ok "$J"
[ "$(field 'd["files"][0]["instrument"]' <<<"$J")" = None ] || fail "plain: $J"; pass

# The loops move with the audio: trim 0.05 s (2400 frames) off the head.
expect_exit 0 "$TAPEOP" -q trim looped.wav -o cut.wav --start 0.05s
J=$("$TAPEOP" --json info cut.wav)
[ "$(field '[(l["start"], l["end"]) for l in d["files"][0]["instrument"]["loops"]]' <<<"$J")" = \
  "[(2400, 7200), (21600, 45600)]" ] || fail "moved loops: $J"; pass
finish
