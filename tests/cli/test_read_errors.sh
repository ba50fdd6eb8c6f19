#!/usr/bin/env bash
# A disk that fails while tapeop reads or syncs, by fault injection (fault_shim.c, loaded with
# LD_PRELOAD): a read error (EIO) in the middle of an input is an error for that file in every
# container, not a shorter file: analyze, convert and master each print one line naming the
# input and saying "read error", exit 2 and leave no output. With --sync a failed fsync fails
# the write (one line naming the output, no file under its name, the old file intact), and
# without a fault --sync delivers complete files.
source "$(dirname "$0")/lib.sh"
need_tools cc ffmpeg

cc -shared -fPIC -O1 -o shim.so "$TAPEOP_SOURCE_DIR/tests/cli/fault_shim.c" -ldl ||
  fail "cannot compile the fault shim"
with_shim() { LD_PRELOAD="$WORK/shim.so${LD_PRELOAD:+:$LD_PRELOAD}" "$@"; }

"$TAPEOP" -q generate music -o src.wav --duration 10s
for ext in flac ogg opus mp3 aiff w64 rf64 caf; do
  "$TAPEOP" -q convert src.wav -o in.$ext
done
cp src.wav in.wav
ffmpeg -loglevel error -i src.wav -c:a aac -b:a 128k in-aac.m4a </dev/null
ffmpeg -loglevel error -i src.wav -c:a alac in-alac.m4a </dev/null
ffmpeg -loglevel error -i src.wav -c:a aac -b:a 128k in.aac </dev/null

# The shim itself: a read of the named file fails at the byte given, other files read on.
head -c 100000 /dev/urandom > blob
cp blob other
set +e
SHIM_EIO_FILE=blob SHIM_EIO_AFTER=5000 with_shim dd if=blob of=part bs=1000 status=none 2>/dev/null
rc=$?
set -e
[ "$rc" != 0 ] && [ "$(stat -c %s part)" = 5000 ] || fail "the shim did not fail the read at 5000 (exit $rc, $(stat -c %s part) bytes)"
SHIM_EIO_FILE=blob SHIM_EIO_AFTER=5000 with_shim dd if=other bs=1000 status=none | cmp -s - other || fail "the shim failed another file"
pass

mkdir out
for f in in.wav in.flac in.ogg in.opus in.mp3 in.aiff in.w64 in.rf64 in.caf in-aac.m4a in-alac.m4a in.aac; do
  size=$(stat -c %s "$f")
  for at in $((size / 2)) $((size - size / 10)); do
    for cmd in analyze convert master; do
      case $cmd in
        analyze) args=(analyze "$f") ;;
        convert) args=(convert "$f" -o out/c.flac) ;;
        master) args=(master "$f" -o out/m.wav) ;;
      esac
      SHIM_EIO_FILE=$f SHIM_EIO_AFTER=$at expect_exit 2 with_shim "$TAPEOP" -q "${args[@]}"
      expect_one_line_error "^tapeop: $f: read error"
      [ -z "$(ls -A out)" ] || fail "$cmd $f (EIO at byte $at): left $(ls -A out)"
      pass
    done
  done
done
# Without the fault the same files read through (the shim alone changes nothing).
SHIM_EIO_FILE=nothing-by-this-name SHIM_EIO_AFTER=0 expect_exit 0 with_shim "$TAPEOP" -q convert in.mp3 -o out/c.flac
rm -f out/*

# --sync: complete files, each forced to disk before its rename ...
for ext in wav flac mp3 opus; do
  expect_exit 0 "$TAPEOP" --sync -q gain src.wav -o out/s.$ext --db -3
  frames=$("$TAPEOP" --json info out/s.$ext | json_num frames)
  [ "$frames" -ge 480000 ] || fail "--sync gain $ext: $frames of 480000 frames"; pass
done
expect_exit 0 "$TAPEOP" --sync -q master src.wav -o out/m.mp3 --target -16
expect_exit 0 "$TAPEOP" --sync --json analyze out/m.mp3
lufs=$(json_num integrated_lufs <<<"$OUT")
near "$lufs" -16 0.15 || fail "--sync master: $lufs LUFS"; pass
no_temporaries out
# ... and a failed fsync fails the write, the old file intact.
for job in "gain src.wav -o out/s.flac --db -6" "convert src.wav -o out/s.flac --bits 16" \
           "master src.wav -o out/s.flac --target -20" "master src.wav -o out/m.mp3 --target -20"; do
  out=$(awk '{ for (i = 1; i < NF; i++) if ($i == "-o") print $(i + 1) }' <<<"$job")
  printf 'keep me' > "$out"
  # shellcheck disable=SC2086
  SHIM_FSYNC_EIO=1 expect_exit 2 with_shim "$TAPEOP" --sync -q $job
  expect_one_line_error "^tapeop: $out: cannot flush to disk: Input/output error$"
  [ "$(cat "$out")" = "keep me" ] || fail "$job: a failed fsync replaced the old file"
  pass
  rm -f "$out"
  no_temporaries out
done
# Without --sync nothing is forced to disk: the same shim changes nothing.
SHIM_FSYNC_EIO=1 expect_exit 0 with_shim "$TAPEOP" -q gain src.wav -o out/n.flac --db -6
finish
