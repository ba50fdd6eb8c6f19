#!/usr/bin/env bash
# A full disk while an encoder writes its last data (FLAC, Ogg, Opus and MP3 flush when the
# file is closed) must never give exit 0 with a truncated file. On a 4 MiB tmpfs, the free space
# is swept around each output's size: every run either succeeds with a complete file, or fails
# with one error line naming the output, leaving no file under its name, no temporary, and an
# existing file there untouched.
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
for ext in flac opus ogg mp3 wav; do
  rm -f disk/*
  # The output's size when there is room for it.
  "$TAPEOP" -q gain in.wav -o disk/full.$ext --db -3
  size=$(stat -c %s disk/full.$ext)
  rm -f disk/full.$ext
  free=$(( $(stat -f -c '%a*%S' disk) ))
  failed=0; ok=0
  for delta in -40000 -12000 -6000 -3000 -1000 0 1000 2000 4000 8000 16000 32000 64000 128000; do
    rm -f disk/*
    fill=$(( free - size - delta ))
    [ "$fill" -gt 0 ] || continue
    head -c "$fill" /dev/zero > disk/fill
    set +e
    "$TAPEOP" -q gain in.wav -o disk/o.$ext --db -3 2> err.txt
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
      frames=$("$TAPEOP" --json info disk/o.$ext | json_num frames) || fail "$ext, fill $fill: exit 0 but the output does not open"
      [ "$frames" -ge "$want_frames" ] || fail "$ext, fill $fill: exit 0 with $frames of $want_frames frames"
      ok=$((ok + 1))
    else
      [ ! -e disk/o.$ext ] || fail "$ext, fill $fill: exit $rc but disk/o.$ext exists"
      [ "$(grep -c '' err.txt)" = 1 ] || fail "$ext, fill $fill: expected one error line: $(cat err.txt)"
      grep -q "o.$ext" err.txt || fail "$ext, fill $fill: the error does not name the output: $(cat err.txt)"
      failed=$((failed + 1))
    fi
    no_temporaries disk
    pass
  done
  [ "$failed" -gt 0 ] || fail "$ext: the sweep never filled the disk (size $size)"
  [ "$ok" -gt 0 ] || fail "$ext: the sweep never left room (size $size)"
  # An existing file under the output's name survives a failed write.
  rm -f disk/*
  printf 'keep me' > disk/o.$ext
  head -c $(( $(stat -f -c '%a*%S' disk) - size / 2 )) /dev/zero > disk/fill
  expect_exit 2 "$TAPEOP" -q gain in.wav -o disk/o.$ext --db -3
  [ "$(cat disk/o.$ext)" = "keep me" ] || fail "$ext: a failed write damaged the existing file"; pass
done
rm -f disk/*
finish
