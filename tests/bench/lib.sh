# Shared by the benchmark scripts (sourced). Times whole commands, several repetitions, and
# reports the median. Speed is a benchmark figure, never a test assertion.
set -euo pipefail
: "${TAPEOP:?TAPEOP must name the tapeop executable}"
BENCH_REPS=${BENCH_REPS:-3}
BENCH_DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tapeop-bench-XXXXXX")}

# median_time CMD...: runs CMD once untimed (its input then comes from the page cache, as for
# every rep), then $BENCH_REPS times (output discarded), each after a `sync` so no tool pays
# for the write-back of files written before it; prints the median seconds.
median_time() {
  local times=() t0 t1
  "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; return 1; }
  for _ in $(seq "$BENCH_REPS"); do
    sync
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; return 1; }
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# median_cpu CMD...: as median_time, but the CPU time (user + system, all threads; GNU time),
# which a loaded machine disturbs less than the wall clock.
median_cpu() {
  local times=() t
  "$@" >/dev/null 2>&1 || { echo "benchmark command failed: $*" >&2; return 1; }
  for _ in $(seq "$BENCH_REPS"); do
    sync
    t=$(/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.4f", $1 + $2 }')
    times+=("$t")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# report LABEL AUDIO_SECONDS SECONDS: prints x-realtime.
xrt() { awk -v a="$1" -v t="$2" 'BEGIN { printf "%.0f", a / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

row() { printf '  %-46s %8s s  %7sx realtime\n' "$1" "$2" "$3"; }

# peak_rss_mib CMD...: peak resident memory of CMD in MiB (GNU time).
peak_rss_mib() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }'
}

# loudnorm_two_pass IN OUT [RATE]: FFmpeg loudnorm two-pass to -14 LUFS / -1 dBTP (measure, then
# linear=true with the measured values), one filter thread, written at RATE (48000 unless given:
# loudnorm works at 192 kHz) in 24-bit.
loudnorm_two_pass() {
  local m I TP LRA TH OFF
  m=$(ffmpeg -nostdin -hide_banner -nostats -i "$1" -filter_threads 1 -af loudnorm=I=-14:TP=-1:print_format=json -f null - 2>&1)
  get() { printf '%s\n' "$m" | grep "\"$1\"" | sed 's/.*: *"\(.*\)".*/\1/'; }
  I=$(get input_i); TP=$(get input_tp); LRA=$(get input_lra); TH=$(get input_thresh); OFF=$(get target_offset)
  ffmpeg -nostdin -hide_banner -nostats -y -i "$1" -filter_threads 1 -af \
    "loudnorm=I=-14:TP=-1:measured_I=$I:measured_TP=$TP:measured_LRA=$LRA:measured_thresh=$TH:offset=$OFF:linear=true" \
    -ar "${3:-48000}" -c:a pcm_s24le "$2"
}

# landed FILE -> "tapeop: I LUFS, TP dBTP; ffmpeg: I LUFS, TP dBTP"
landed() {
  local j fi
  j=$("$TAPEOP" --json analyze "$1")
  fi=$(ffmpeg -nostdin -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    awk '/I:/ { i = $2 } /Peak:/ { p = $2 } END { printf "%s LUFS, %s dBTP", i, p }')
  printf 'analyze %s LUFS, %s dBTP; ffmpeg ebur128 %s' \
    "$(printf '%s' "$j" | grep -o '"integrated_lufs": *[-0-9.]*' | head -1 | sed 's/.*: *//')" \
    "$(printf '%s' "$j" | grep -o '"true_peak_dbtp": *[-0-9.]*' | head -1 | sed 's/.*: *//')" "$fi"
}
