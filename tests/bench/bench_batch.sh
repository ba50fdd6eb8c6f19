#!/usr/bin/env bash
# Batch runs: 40 generated 3-minute music files through the master-streaming stock recipe,
# -j1 against -j2 (the speed-up; goal >= 1.8x on 2 idle cores), then a re-run with nothing
# changed (every job up to date: hash the inputs and outputs, render nothing; goal < 5% of the
# first run). One run of each (they are long); wall and CPU seconds are both printed, with the
# load average, because other work on the machine skews a wall-clock ratio.
# A job decodes ahead and writes on worker threads, so -j1 alone already keeps more than one
# core busy; -j1 --no-pipeline (one thread per job) is run too: -j2 against it is the
# scheduler's own scaling.
# BATCH_FILES and BATCH_SECONDS shrink it for a quick look.
source "$(dirname "$0")/lib.sh"
n=${BATCH_FILES:-40}
dur=${BATCH_SECONDS:-180}
dir="$BENCH_DIR/batch"
mkdir -p "$dir/in"
for i in $(seq "$n"); do
  [ -f "$dir/in/m$i.wav" ] || echo "$i"
done | xargs -r -P2 -I{} "$TAPEOP" -q generate music -o "$dir/in/m{}.wav" --duration "$dur" --seed {} --level -20

timed() { # timed CMD... -> "wall user+sys" seconds
  local f="$dir/.time"
  /usr/bin/time -f '%e %U %S' -o "$f" "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; return 1; }
  awk '{ printf "%s %.2f", $1, $2 + $3 }' "$f"
}

audio=$((n * dur))
echo "== batch: $n files x ${dur} s, master-streaming ($(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
rm -rf "$dir/out1" "$dir/out2" "$dir/out0"
read -r w0 c0 <<<"$(timed "$TAPEOP" -q -j 1 --no-pipeline run master-streaming "$dir"/in/*.wav -o "$dir/out0")"
read -r w1 c1 <<<"$(timed "$TAPEOP" -q -j 1 run master-streaming "$dir"/in/*.wav -o "$dir/out1")"
read -r w2 c2 <<<"$(timed "$TAPEOP" -q -j 2 run master-streaming "$dir"/in/*.wav -o "$dir/out2")"
read -r w3 c3 <<<"$(timed "$TAPEOP" -q -j 2 run master-streaming "$dir"/in/*.wav -o "$dir/out2")"
printf '  %-34s %8s s wall %8s s CPU  %6sx realtime\n' "run -j1 --no-pipeline (first run)" "$w0" "$c0" "$(xrt $audio "$w0")"
printf '  %-34s %8s s wall %8s s CPU  %6sx realtime\n' "run -j1 (first run)" "$w1" "$c1" "$(xrt $audio "$w1")"
printf '  %-34s %8s s wall %8s s CPU  %6sx realtime\n' "run -j2 (first run)" "$w2" "$c2" "$(xrt $audio "$w2")"
printf '  %-34s %8s s wall %8s s CPU\n' "re-run -j2, nothing changed" "$w3" "$c3"
# What the machine gives two jobs right now: two independent processes against one (the
# ceiling of any -j2 speed-up when other work shares the cores).
one=$(median_time "$TAPEOP" -q --no-pipeline master "$dir/in/m1.wav" -o "$dir/cap1.flac" --target -14)
two=$(median_time bash -c '"$0" -q --no-pipeline master "$1" -o "$2/cap1.flac" --target -14 & "$0" -q --no-pipeline master "$1" -o "$2/cap2.flac" --target -14; wait' \
  "$TAPEOP" "$dir/in/m1.wav" "$dir")
echo "  speed-up -j2 over -j1 --no-pipeline: $(ratio "$w0" "$w2")x (goal >= 1.8x on 2 idle cores); the machine's ceiling now:" \
  "$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", 2 * a / b }')x (two independent processes against one)"
echo "  speed-up -j2 over -j1: $(ratio "$w1" "$w2")x (-j1 keeps $(awk -v c="$c1" -v w="$w1" 'BEGIN { printf "%.2f", c / w }') cores busy by itself)"
echo "  re-run / first -j2 run: $(awk -v a="$w3" -v b="$w2" 'BEGIN { printf "%.1f%%", 100 * a / b }') (goal < 5%)"
same=yes
for f in "$dir"/out1/*.flac; do
  cmp -s "$f" "$dir/out2/$(basename "$f")" || same=no
  cmp -s "$f" "$dir/out0/$(basename "$f")" || same=no
done
echo "  -j1, -j1 --no-pipeline and -j2 outputs byte-identical: $same; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
