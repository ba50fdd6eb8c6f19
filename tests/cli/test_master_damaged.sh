#!/usr/bin/env bash
# master on damaged inputs: one error line naming the INPUT and what is wrong, never the
# output's "could not reach ... -inf LUFS" (found by the mutation run: bit flips in float W64
# files giving samples near FLT_MAX, which overflow to Inf once gained).
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o in.wav --duration 3s
for ext in w64 wav caf; do
  "$TAPEOP" -q convert in.wav -o f.$ext --bits float
  python3 - f.$ext huge.$ext <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
p = (len(b) // 2) & ~3  # a sample in the middle of the data
b[p:p + 4] = struct.pack("<f", 3e38)
open(sys.argv[2], "wb").write(b)
PY
  expect_exit 2 "$TAPEOP" master huge.$ext -o out.wav
  expect_one_line_error "^tapeop: huge\.$ext: samples up to \+[0-9]+ dBFS, far outside full scale"
  [ ! -e out.wav ] || fail "master left out.wav for a damaged input"; pass
done
# A float file a little over full scale is still mastered (limited down).
sox in.wav -e floating-point -b 32 hot.w64 vol 4
expect_exit 0 "$TAPEOP" master hot.w64 -o hot-out.wav
no_temporaries .
finish
