#!/usr/bin/env bash
# tapeop generate, end to end: every signal to WAV and FLAC, checked with `tapeop info --json`;
# bit-identical reruns; usage errors exit 2 with one line on stderr and leave no file.
set -euo pipefail

: "${TAPEOP:?set TAPEOP to the tapeop executable}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# json_get FILE KEY: the first value of "KEY" in a JSON document that describes one file
# (numbers and plain strings; enough for info and generate output, no python or jq needed).
json_get() {
    grep -o "\"$2\": *[^,}]*" "$1" | sed -n 1p | sed -e 's/^[^:]*: *//' -e 's/^"//' -e 's/"$//'
}

# expect_info FILE CHANNELS RATE FRAMES
expect_info() {
    "$TAPEOP" --json info "$1" >"$tmp/info.json" || fail "info $1 exited $?"
    local ch rate frames
    ch=$(json_get "$tmp/info.json" channels)
    rate=$(json_get "$tmp/info.json" sample_rate)
    frames=$(json_get "$tmp/info.json" frames)
    [[ "$ch" == "$2" ]] || fail "$1: $ch channels, expected $2"
    [[ "$rate" == "$3" ]] || fail "$1: $rate Hz, expected $3"
    [[ "$frames" == "$4" ]] || fail "$1: $frames frames, expected $4"
}

# Every signal, WAV and FLAC.
for kind in sine sweep white pink silence square music dialogue; do
    "$TAPEOP" -q generate "$kind" -o "$tmp/$kind.wav" --duration 2s ||
        fail "generate $kind to wav exited $?"
    expect_info "$tmp/$kind.wav" 2 48000 96000
    "$TAPEOP" -q generate "$kind" -o "$tmp/$kind.flac" --duration 500ms --rate 44.1kHz --channels 1 ||
        fail "generate $kind to flac exited $?"
    expect_info "$tmp/$kind.flac" 1 44100 22050
done

# Defaults: 10 s, 48 kHz, stereo, 24-bit.
"$TAPEOP" -q generate sine -o "$tmp/default.wav"
expect_info "$tmp/default.wav" 2 48000 480000
[[ $(json_get "$tmp/info.json" subtype) == pcm24 ]] || fail "default is not 24-bit"

# Units and sample formats.
"$TAPEOP" -q generate sine -o "$tmp/units.wav" --freq 1kHz --level -18dBFS --duration 250ms \
    --rate 96000 --channels 6 --phase 90 --bits float
expect_info "$tmp/units.wav" 6 96000 24000
[[ $(json_get "$tmp/info.json" subtype) == float ]] || fail "--bits float not honoured"
"$TAPEOP" -q generate sine -o "$tmp/n.wav" --duration 1234samples --bits 16
expect_info "$tmp/n.wav" 2 48000 1234

# --json describes the output.
"$TAPEOP" --json generate music -o "$tmp/song.flac" --duration 3s --level -16LUFS >"$tmp/gen.json"
[[ $(json_get "$tmp/gen.json" tool) == tapeop ]] || fail "json: no tool"
[[ $(json_get "$tmp/gen.json" frames) == 144000 ]] || fail "json: wrong frames"
[[ $(json_get "$tmp/gen.json" sample_rate) == 48000 ]] || fail "json: wrong rate"
[[ $(json_get "$tmp/gen.json" channels) == 2 ]] || fail "json: wrong channels"
[[ $(json_get "$tmp/gen.json" output) == "$tmp/song.flac" ]] || fail "json: wrong output"

# Deterministic: the same command writes the same bytes; another seed does not.
"$TAPEOP" -q generate pink -o "$tmp/p1.wav" --duration 1s --seed 7
"$TAPEOP" -q generate pink -o "$tmp/p2.wav" --duration 1s --seed 7
"$TAPEOP" -q generate pink -o "$tmp/p3.wav" --duration 1s --seed 8
cmp -s "$tmp/p1.wav" "$tmp/p2.wav" || fail "same seed gave different files"
cmp -s "$tmp/p1.wav" "$tmp/p3.wav" && fail "different seeds gave the same file"

# Usage errors: exit 2, exactly one line on stderr, no file.
expect_usage_error() {
    local out="$tmp/err.wav" rc=0
    "$TAPEOP" generate "$@" -o "$out" 2>"$tmp/stderr" >/dev/null || rc=$?
    [[ $rc == 2 ]] || fail "generate $* exited $rc, expected 2"
    [[ $(wc -l <"$tmp/stderr") == 1 ]] || fail "generate $*: not one line: $(cat "$tmp/stderr")"
    [[ ! -e "$out" ]] || fail "generate $* left a file behind"
}
expect_usage_error sine --level -3dbx
grep -q "dbx" "$tmp/stderr" || fail "bad unit message does not name the unit"
expect_usage_error triangle
grep -q "unknown signal 'triangle'" "$tmp/stderr" || fail "unknown kind message: $(cat "$tmp/stderr")"
expect_usage_error sine --freq 30kHz
expect_usage_error sweep --to 40000
expect_usage_error music --level -14dBFS
expect_usage_error sine --duration 10Hz
expect_usage_error sine --rate 0
expect_usage_error sine --bits 12
expect_usage_error sine --channels 0
rc=0
"$TAPEOP" generate sine -o "$tmp/x.flac" --bits float 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "float FLAC exited $rc, expected 2"
rc=0
"$TAPEOP" -q generate sine -o "$tmp/new/sub/dir/x.wav" || fail "a missing output folder was not created"
[[ -f $tmp/new/sub/dir/x.wav ]] || fail "no output in the created folder"
touch "$tmp/file"
"$TAPEOP" generate sine -o "$tmp/file/x.wav" 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "output under a file exited $rc, expected 2"

echo "test_generate: ok"
