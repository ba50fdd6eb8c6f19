#!/usr/bin/env bash
# Pipes (README "Pipes"): `-` reads standard input, `-o -` writes standard output. Each pipe is
# compared with the same command on files (same numbers, same samples); the spooled copy of
# standard input and the stdout temporary are removed, also after an error and on SIGINT.
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"
mkdir -p tmp
export TMPDIR="$WORK/tmp"
no_spool_left() {
  [ -z "$(ls -A "$TMPDIR")" ] || fail "temporaries left in \$TMPDIR: $(ls -A "$TMPDIR")"
  pass
}
# md5 of the decoded samples (as 32-bit float, whatever the container), by ffmpeg.
samples_md5() { ffmpeg -v error -i "$1" -map 0:a -c:a pcm_f32le -f md5 - | sed 's/^MD5=//'; }

# 16-bit material: what ffmpeg's wav, aiff and au muxers and s16le carry unchanged.
"$T" -q generate music -o a24.wav --duration 8 --level -20
"$T" -q convert a24.wav -o a.wav --bits 16 --dither none
flac -s -f -o a.flac a.wav

# ffmpeg | tapeop analyze -: the same numbers as on the file (WAV, AIFF, AU and raw streams).
file_json=$("$T" --json analyze a.wav)
want_i=$(json_num integrated_lufs <<<"$file_json")
want_tp=$(json_num true_peak_dbtp <<<"$file_json")
for fmt in wav aiff au; do
  j=$(ffmpeg -v error -i a.wav -f "$fmt" - | "$T" --json analyze -)
  [ "$(json_num integrated_lufs <<<"$j")" = "$want_i" ] || fail "$fmt stream: $(json_num integrated_lufs <<<"$j") LUFS, file $want_i"
  [ "$(json_num true_peak_dbtp <<<"$j")" = "$want_tp" ] || fail "$fmt stream: true peak differs"
  pass
done
j=$(ffmpeg -v error -i a.wav -f s16le - | "$T" --raw 48000,2,s16le --json analyze -)
[ "$(json_num integrated_lufs <<<"$j")" = "$want_i" ] || fail "raw stream: $(json_num integrated_lufs <<<"$j") LUFS, file $want_i"
pass
no_spool_left

# flac -dc | tapeop normalize - -o y.wav (two passes over the stream): the same samples.
flac -s -dc a.flac | "$T" -q normalize - -o y-pipe.wav --lufs -23
"$T" -q normalize a.wav -o y-file.wav --lufs -23
[ "$(samples_md5 y-pipe.wav)" = "$(samples_md5 y-file.wav)" ] || fail "normalize from a pipe differs"
pass
# master and trim by silence (second passes) from a stream as well.
cat a.wav | "$T" -q master - -o m-pipe.wav --target -16
"$T" -q master a.wav -o m-file.wav --target -16
[ "$(samples_md5 m-pipe.wav)" = "$(samples_md5 m-file.wav)" ] || fail "master from a pipe differs"
pass
"$T" -q generate silence -o quiet.wav --duration 2
sox -q quiet.wav a.wav quiet.wav padded.wav
cat padded.wav | "$T" -q trim - -o t-pipe.wav
"$T" -q trim padded.wav -o t-file.wav
[ "$(samples_md5 t-pipe.wav)" = "$(samples_md5 t-file.wav)" ] || fail "trim from a pipe differs"
pass
no_spool_left

# tapeop gain -o - | ffmpeg: the same samples as the file; correct RIFF and data sizes.
"$T" -q gain a.wav -o g-file.wav --db -3
"$T" -q gain a.wav -o - --db -3 > g-pipe.wav
[ "$(samples_md5 g-pipe.wav)" = "$(samples_md5 g-file.wav)" ] || fail "gain to stdout differs"
size=$(stat -c %s g-pipe.wav)
riff=$(od -An -tu4 -j4 -N4 g-pipe.wav | tr -d ' ')
[ "$riff" = "$((size - 8))" ] || fail "RIFF size $riff, file $size bytes"
pass
via_ffmpeg=$("$T" -q gain a.wav -o - --db -3 | ffmpeg -v error -i - -map 0:a -c:a pcm_f32le -f md5 - | sed 's/^MD5=//')
[ "$via_ffmpeg" = "$(samples_md5 g-file.wav)" ] || fail "ffmpeg reads different samples from the pipe"
pass
# --format flac | aiff | au | raw.
for fmt in flac aiff au; do
  "$T" -q gain a.wav -o - --db -3 --format "$fmt" > "g.$fmt"
  [ "$(samples_md5 "g.$fmt")" = "$(samples_md5 g-file.wav)" ] || fail "--format $fmt differs"
  pass
done
"$T" -q gain a.wav -o - --db -3 --format raw > g.raw
ffmpeg -v error -i g-file.wav -f s16le - > g-file.raw
cmp -s g.raw g-file.raw || fail "--format raw is not the file's samples"
pass

# Only audio on stdout: --json and the summary go to stderr.
"$T" --json gain a.wav -o - --db -3 > j.wav 2> j.err
[ "$(head -c 4 j.wav)" = RIFF ] || fail "stdout does not start with a WAV header"
grep -q '"tool": "tapeop"' j.err || fail "--json with -o - is not on stderr: $(cat j.err)"
"$T" gain a.wav -o - --db -3 > s.wav 2> s.err
[ "$(samples_md5 s.wav)" = "$(samples_md5 g-file.wav)" ] || fail "text output got into the audio"
pass
# A pipe through two tapeops.
out=$(cat a.wav | "$T" -q gain - -o - --db -6 | "$T" --json analyze -)
near "$(json_num integrated_lufs <<<"$out")" "$(awk -v a="$want_i" 'BEGIN { print a - 6 }')" 0.01 ||
  fail "gain - -o - | analyze -: $(json_num integrated_lufs <<<"$out")"
pass
no_spool_left

# Mistakes: not audio, an empty stream, --raw / --format without a pipe; nothing left behind.
expect_exit 2 "$T" analyze - <<<"this is not audio"
expect_exit 2 "$T" analyze - </dev/null
grep -q "standard input: no audio arrived" <<<"$ERR" || fail "empty stream: $ERR"
expect_exit 2 "$T" --raw 48000,2,s16le analyze a.wav
expect_exit 2 "$T" gain a.wav -o g2.wav --db -3 --format flac
expect_exit 2 "$T" --raw 48000,2,s17 analyze - </dev/null
grep -q "unknown format 's17'" <<<"$ERR" || fail "bad --raw: $ERR"
no_spool_left

# SIGINT while the stream is being read: the spool is removed.
mkfifo fifo
"$T" -q normalize - -o never.wav --lufs -23 < fifo &
pid=$!
exec 3> fifo
head -c 100000 a.wav >&3
for _ in $(seq 50); do [ -n "$(ls -A "$TMPDIR")" ] && break; sleep 0.1; done
[ -n "$(ls -A "$TMPDIR")" ] || fail "no spool appeared"
kill -INT "$pid"
set +e; wait "$pid"; set -e
exec 3>&-
no_spool_left
[ ! -e never.wav ] || fail "an interrupted run wrote its output"
pass
finish
