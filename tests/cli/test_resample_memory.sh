#!/usr/bin/env bash
# Resampler output comes in bounded pieces whatever the ratio: a 1 kHz header resampled to
# 768 kHz (ratio 768) must not allocate ratio x block per block. Peak RSS is memory, not
# speed, so it is a fair regression bound. Measured: convert 1k->768k stereo 10 s 181 MB
# before, 11.5 MB after; mix 243 MB -> 13 MB; master 8k->768k 58 MB -> 15 MB.
source "$(dirname "$0")/lib.sh"
command -v /usr/bin/time >/dev/null || { echo "SKIP: /usr/bin/time missing"; exit 0; }

bound_kb=40000 # 40 MB: a few times the measured peak, far below the unbounded one
# Under AddressSanitizer (TAPEOP_SANITIZED=1) its shadow memory adds about 30 MB to every
# process before tapeop allocates anything: the bound counts from that floor (measured on
# `tapeop --version`), so it still holds tapeop's own memory to 40 MB.
if [ "${TAPEOP_SANITIZED:-0}" = 1 ]; then
  /usr/bin/time -f '%M' -o "$WORK/.floor" "$TAPEOP" --version >/dev/null
  bound_kb=$((bound_kb + $(tail -n 1 "$WORK/.floor")))
fi
sox -n -r 1000 -c 2 -b 16 s1k.wav synth 10 whitenoise
sox -n -r 1000 -c 1 -b 16 m1k.wav synth 10 whitenoise
sox -n -r 8000 -c 2 -b 16 s8k.wav synth 10 pinknoise vol 0.3

peak_kb() { # peak_kb CMD...: runs CMD (exit 0 required), prints its peak RSS in KB
  /usr/bin/time -f '%M' -o "$WORK/.rss" "$@" >/dev/null 2>"$WORK/.err" ||
    fail "$* failed: $(cat "$WORK/.err")"
  tail -n 1 "$WORK/.rss"
}

for f in s1k m1k; do
  kb=$(peak_kb "$TAPEOP" convert $f.wav -o $f-768k.wav --rate 768000)
  [ "$kb" -lt "$bound_kb" ] || fail "convert $f.wav to 768 kHz peaked at $kb KB (bound $bound_kb)"
  pass
  "$TAPEOP" info $f-768k.wav >info.txt
  grep -q '768000 Hz' info.txt || fail "not 768 kHz: $(cat info.txt)"
  grep -q ' 7680000 frames' info.txt || fail "length not exact: $(cat info.txt)"
  pass
done

kb=$(peak_kb "$TAPEOP" mix s1k.wav m1k.wav -o mix.wav --rate 768000)
[ "$kb" -lt "$bound_kb" ] || fail "mix to 768 kHz peaked at $kb KB (bound $bound_kb)"
pass
kb=$(peak_kb "$TAPEOP" master s8k.wav -o master.wav --rate 768000)
[ "$kb" -lt "$bound_kb" ] || fail "master 8k -> 768 kHz peaked at $kb KB (bound $bound_kb)"
pass
no_temporaries .
finish
