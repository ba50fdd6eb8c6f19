#!/usr/bin/env bash
# Stem prep: mixing 16 stereo 48 kHz 24-bit 3-minute stems (tapeop mix vs sox -m, -v 1 per
# input so sox does not divide; levels of both outputs compared), and peak normalization of a
# 10-minute file (tapeop normalize --peak -1 vs sox --norm=-1).
source "$(dirname "$0")/lib.sh"
command -v sox >/dev/null || { echo "bench_stems: sox not installed, skipped"; exit 0; }
dur=180
stems=()
for k in $(seq 1 16); do
  f="$BENCH_DIR/stem$k.wav"
  [ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration $dur --seed "$k" --level -38 --bits 24
  stems+=("$f")
done
sox_args=()
for f in "${stems[@]}"; do sox_args+=(-v 1 "$f"); done

echo "== mix: 16 stereo stems, 48 kHz 24-bit, 3 min (median of $BENCH_REPS)"
t_tap=$(median_time "$TAPEOP" -q mix "${stems[@]}" -o "$BENCH_DIR/mix-tapeop.wav")
t_sox=$(median_time sox -m "${sox_args[@]}" "$BENCH_DIR/mix-sox.wav")
row "tapeop mix" "$t_tap" "$(xrt $dur "$t_tap")"
row "sox -m (-v 1 each)" "$t_sox" "$(xrt $dur "$t_sox")"
echo "  ratio: tapeop is $(ratio "$t_sox" "$t_tap")x sox's speed"
lt=$("$TAPEOP" --json analyze "$BENCH_DIR/mix-tapeop.wav" | grep -o '"rms_dbfs": [-0-9.]*' | head -1 | sed 's/.*: //')
ls=$("$TAPEOP" --json analyze "$BENCH_DIR/mix-sox.wav" | grep -o '"rms_dbfs": [-0-9.]*' | head -1 | sed 's/.*: //')
echo "  levels: tapeop RMS $lt dBFS, sox RMS $ls dBFS"

# The same stems 18 dB louder each: the bus clips, so tapeop trims it to -1 dBFS in a second
# pass (replayed from the first pass's bus); sox gets the same gain (-v 7.943) and clips.
loud=() sox_loud=()
for f in "${stems[@]}"; do loud+=("$f:gain=18dB"); sox_loud+=(-v 7.943 "$f"); done
echo "== mix that clips: the same stems +18 dB each, trimmed to -1 dBFS (median of $BENCH_REPS)"
t_tap=$(median_time "$TAPEOP" -q mix "${loud[@]}" -o "$BENCH_DIR/mix-tapeop.wav")
t_sox=$(median_time sox -m "${sox_loud[@]}" "$BENCH_DIR/mix-sox.wav")
row "tapeop mix (trim pass included)" "$t_tap" "$(xrt $dur "$t_tap")"
row "sox -m (-v 7.943 each, clips)" "$t_sox" "$(xrt $dur "$t_sox")"
echo "  ratio: tapeop is $(ratio "$t_sox" "$t_tap")x sox's speed; passes: $("$TAPEOP" --json mix "${loud[@]}" -o "$BENCH_DIR/mix-tapeop.wav" | grep -o '"passes": [0-9]*' | sed 's/.*: //')"

echo "== normalize --peak -1: 10 min 48 kHz 24-bit stereo (median of $BENCH_REPS)"
f="$BENCH_DIR/bench-10min.wav"
[ -f "$f" ] || "$TAPEOP" -q generate music -o "$f" --duration 600 --rate 48000 --channels 2 --bits 24
t_tap=$(median_time "$TAPEOP" -q normalize "$f" -o "$BENCH_DIR/norm-tapeop.wav" --peak -1)
t_sox=$(median_time sox --norm=-1 "$f" "$BENCH_DIR/norm-sox.wav")
row "tapeop normalize --peak -1" "$t_tap" "$(xrt 600 "$t_tap")"
row "sox --norm=-1" "$t_sox" "$(xrt 600 "$t_sox")"
echo "  ratio: tapeop is $(ratio "$t_sox" "$t_tap")x sox's speed"
rm -f "$BENCH_DIR"/mix-*.wav "$BENCH_DIR"/norm-*.wav
