#!/usr/bin/env bash
# The small, seeded mutation run (tests/fuzz/mutate.py; the full run is 2,000+ files): 150
# damaged files in every container through analyze, check, convert and master. No crash, no
# hang, exit codes 0/1/2 only, one error line naming the file for each failure, nothing left
# behind. Deterministic: the same seed makes the same files.
source "$(dirname "$0")/lib.sh"

set +e
python3 "$TAPEOP_SOURCE_DIR/tests/fuzz/mutate.py" --tapeop "$TAPEOP" --count 150 --seed 15 \
  --jobs 2 --timeout 20 --work "$WORK/mutate" >"$WORK/mutate.log" 2>&1
rc=$?
set -e
LOG=$(cat "$WORK/mutate.log")
printf '%s\n' "$LOG"
[ $rc = 0 ] || fail "mutation run: $LOG"
pass
grep -q '^mutation run: 150 damaged files' <<<"$LOG" || fail "not 150 files: $LOG"
grep -q ' 600 runs ' <<<"$LOG" || fail "not 600 runs: $LOG"
pass
# Every container is in the run.
for ext in wav rf64 w64 aiff au caf flac ogg opus mp3; do
  grep -q "$ext 15" <<<"$LOG" || fail "no $ext files in the run: $LOG"
done
pass
finish
