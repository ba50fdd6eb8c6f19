#!/usr/bin/env bash
# A WAV whose LIST chunk holds an unknown sub-chunk claiming 4 GB sends libsndfile 1.2's parser
# into an endless loop (found by the metadata fuzz target): tapeop refuses it first, with one
# line naming the file and exit 2, in every command that opens it. A known INFO field with the
# same broken size is read as libsndfile reads it (the audio is intact).
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
mk() { # mk OUT SUBCHUNK-ID
  python3 - "$1" "$2" <<'PY'
import struct, sys
fmt = struct.pack('<HHIIHH', 1, 2, 48000, 48000 * 4, 4, 16)
info = b'INFO' + sys.argv[2].encode() + struct.pack('<I', 0xFFFFFFF4) + b'Take three\0\0'
lst = b'LIST' + struct.pack('<I', len(info)) + info
data = b'data' + struct.pack('<I', 4800 * 4) + bytes(4800 * 4)
body = b'WAVE' + b'fmt ' + struct.pack('<I', len(fmt)) + fmt + lst + data
open(sys.argv[1], 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)
PY
}
mk loop.wav bab1
for cmd in "analyze loop.wav" "info loop.wav" "check loop.wav --spec stem" \
           "convert loop.wav -o out.flac" "master loop.wav -o m.wav" "tag loop.wav --dry-run"; do
  expect_exit 2 timeout 20 "$T" $cmd
  expect_one_line_error '^tapeop: loop.wav: cannot read: damaged LIST chunk at byte 36: a sub-chunk at byte 48 claims 4294967284 bytes'
  pass
done
[ ! -e out.flac ] && [ ! -e m.wav ] || fail "an output was written from the refused file"
mk known.wav IART
"$T" -q analyze known.wav >/dev/null || fail "a known INFO field with a broken size is refused"
pass
