#!/usr/bin/env bash
# A full disk while an encoder writes its last data (FLAC, Ogg, Opus and MP3 flush when the
# file is closed) must never give exit 0 with a truncated file. On a 4 MiB tmpfs, the free space
# is swept around each output's size, for gain, convert and master (a lossy master is written
# and decoded under a hidden name of its own first), with and without --sync: every run either
# succeeds with a complete file, or fails with one error line that names the output the user
# asked for (never the hidden temporary) and says the disk is full, leaving no file under its
# name, no temporary, and an existing file there untouched. Standard output stays tapeop's own
# (valid JSON with --json: libsndfile once printed "Not a valid error number (-1)." there).
source "$(dirname "$0")/lib.sh"

mkdir disk
if ! mount -t tmpfs -o size=4m tmpfs disk 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here (needs root); the disk-full sweep was not run"
  finish
  exit 0
fi
trap 'umount "$WORK/disk" 2>/dev/null; rm -rf "$WORK"' EXIT

"$TAPEOP" -q generate music -o in.wav --duration 10s
want_frames=480000
free_bytes() { echo $(( $(stat -f -c '%a*%S' disk) )); }
valid_json() { python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

# run_case LABEL OUT CMD...: runs CMD (--json, which writes OUT), checks what it left; sets
# RC. A failure must say "disk full" (FULL=1) or may say anything that names OUT (FULL=0).
run_case() {
  local label=$1 out=$2
  shift 2
  set +e
  "$TAPEOP" --json "$@" >out.json 2>err.txt
  RC=$?
  set -e
  # (mix prints its JSON only on success: nothing at all is clean too.)
  { [ "${EMPTY_OK:-0}" = 1 ] && [ ! -s out.json ]; } || valid_json out.json ||
    fail "$label: standard output is not tapeop's JSON: $(head -c 300 out.json)"
  if [ "$RC" = 0 ]; then
    frames=$("$TAPEOP" --json info "$out" | json_num frames) || fail "$label: exit 0 but $out does not open"
    [ "$frames" -ge "$want_frames" ] || fail "$label: exit 0 with $frames of $want_frames frames"
    # Decoded to the end: a header that announces every frame is not a complete file.
    "$TAPEOP" -q analyze "$out" >/dev/null 2>&1 || fail "$label: exit 0 but $out does not decode to the end"
  else
    [ "$RC" = 2 ] || fail "$label: exit $RC: $(cat err.txt)"
    [ ! -e "$out" ] || fail "$label: exit $RC but $out exists"
    [ "$(grep -c '' err.txt)" = 1 ] || fail "$label: expected one error line: $(cat err.txt)"
    # Exactly the output's path, as given: "tapeop: disk/o.mp3: ...".
    grep -q "^tapeop: $out: " err.txt || fail "$label: the error does not name $out: $(cat err.txt)"
    ! grep -q 'tapeop-tmp' err.txt || fail "$label: the error names a temporary: $(cat err.txt)"
    if [ "$FULL" = 1 ] && ! grep -q 'disk full' err.txt; then
      fail "$label: the error does not say the disk is full: $(cat err.txt)"
    fi
    # libsndfile's texts are not tapeop's messages.
    ! grep -Eq 'libsndfile|System error|Format not recognised|flac decoder|internal error' err.txt ||
      fail "$label: a library's message: $(cat err.txt)"
  fi
  no_temporaries disk
}

# sweep NAME EXT ARGS...: `tapeop NAME $IN -o disk/o.EXT ARGS...` with the free space swept
# around the output's size (by DELTAS bytes), and an existing output surviving a failed write.
all_deltas="-40000 -12000 -6000 -3000 -1000 0 1000 2000 4000 8000 16000 32000 64000 128000"
few_deltas="-12000 -1000 0 1000 4000 16000 64000"
sweep() {
  local cmd=$1 ext=$2
  shift 2
  local out=disk/o.$ext
  rm -f disk/*
  "$TAPEOP" -q "$cmd" "$IN" -o disk/full.$ext "$@"
  local size free
  size=$(stat -c %s disk/full.$ext)
  rm -f disk/full.$ext
  free=$(free_bytes)
  local failed=0 ok=0 delta fill
  for delta in $DELTAS; do
    rm -f disk/*
    fill=$(( free - size - delta ))
    [ "$fill" -gt 0 ] || continue
    head -c "$fill" /dev/zero > disk/fill
    FULL=1 run_case "$cmd $ext $*, room $(( size + delta ))" "$out" "$cmd" "$IN" -o "$out" "$@"
    if [ "$RC" = 0 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  done
  [ "$failed" -gt 0 ] || fail "$cmd $ext: the sweep never filled the disk (size $size)"
  [ "$ok" -gt 0 ] || fail "$cmd $ext: the sweep never left room (size $size)"
  # A nearly full disk: a few KiB of room, less than the headers.
  for room in 0 4096; do
    rm -f disk/*
    head -c $(( $(free_bytes) - room )) /dev/zero > disk/fill 2>/dev/null || true
    FULL=1 run_case "$cmd $ext $*, $room bytes free" "$out" "$cmd" "$IN" -o "$out" "$@"
    [ "$RC" = 2 ] || fail "$cmd $ext: exit $RC with $room bytes free"
  done
  # An existing file under the output's name survives a failed write.
  rm -f disk/*
  printf 'keep me' > "$out"
  head -c $(( $(free_bytes) - size / 2 )) /dev/zero > disk/fill
  expect_exit 2 "$TAPEOP" -q "$cmd" "$IN" -o "$out" "$@"
  [ "$(cat "$out")" = "keep me" ] || fail "$cmd $ext: a failed write damaged the existing file"; pass
  rm -f disk/*
}

IN=in.wav
DELTAS=$all_deltas
for ext in flac opus ogg mp3 wav; do
  sweep gain $ext --db -3
done
DELTAS=$few_deltas
for ext in flac ogg mp3; do
  sweep convert $ext
done
# master: a PCM deliverable, FLAC, and the lossy ones (written, decoded and measured under a
# hidden name, then renamed).
for ext in wav flac mp3 ogg opus; do
  sweep master $ext --target -16
done
# A tagged input: the tags (with a 200 KB picture) go into the closed output through TagLib,
# whose failed writes show only when the file is read back.
need_tools metaflac
"$TAPEOP" -q convert in.wav -o tagged.flac
python3 - <<'PY'
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rows = b"".join(b"\0" + bytes((x * 7 + y) % 256 for x in range(3 * 256)) for y in range(256))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))
open("cover.png", "wb").write(png)
PY
metaflac --set-tag=TITLE=Take --set-tag=ARTIST=Band --import-picture-from="3||cover||cover.png" tagged.flac
IN=tagged.flac
for ext in flac mp3 ogg opus; do
  sweep convert $ext
done
IN=in.wav
# mix keeps its bus in a hidden temporary beside the output (for the trim pass): a full disk
# there is the output's error too. 3 s stems: bus and output fit in the 4 MiB with room to spare.
"$TAPEOP" -q generate music -o m1.wav --duration 3s
"$TAPEOP" -q generate sine -o m2.wav --duration 3s --freq 220 --level -6dBFS
want_frames=144000
for ext in flac wav; do
  for room in 4096 200000 700000 1200000 4000000; do
    rm -f disk/*
    head -c $(( $(free_bytes) - room )) /dev/zero > disk/fill 2>/dev/null || true
    EMPTY_OK=1 FULL=1 run_case "mix $ext, $room bytes free" disk/mix.$ext mix m1.wav m2.wav -o disk/mix.$ext
    [ "$room" != 4096 ] || [ "$RC" = 2 ] || fail "mix $ext: exit $RC with 4096 bytes free"
    [ "$room" != 4000000 ] || [ "$RC" = 0 ] || fail "mix $ext: exit $RC with room for everything"
  done
done
want_frames=480000
rm -f disk/*

# --sync: the same writes, each forced to disk before its rename.
sweep gain flac --db -3 --sync
sweep master mp3 --target -16 --sync
finish
