#!/usr/bin/env bash
# A lossy master is decoded and measured under a name unique to its process before it takes
# the real one: two masters writing one MP3 at once each verify their own audio (the file that
# ends up there has the loudness its master reported), and a SIGKILL during verification
# leaves a temporary carrying its owner, which the next run in that folder removes.
source "$(dirname "$0")/lib.sh"

"$TAPEOP" -q generate music -o in.wav --duration 20s

# Two concurrent masters, different targets, one output.
mkdir -p out
set +e
"$TAPEOP" --json master in.wav -o out/m.mp3 --target -14 >a.json 2>a.err &
pa=$!
"$TAPEOP" --json master in.wav -o out/m.mp3 --target -20 >b.json 2>b.err &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
set -e
[ "$ra" = 0 ] || [ "$rb" = 0 ] || fail "both masters failed: $(cat a.err b.err)"
got=$("$TAPEOP" --json analyze out/m.mp3 | json_num integrated_lufs)
match=0
for j in a b; do
  [ -s $j.json ] || continue
  after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["outputs"][0]["after"]["integrated_lufs"])' $j.json)
  # The report is the measurement of the verified file itself: equal to the meter's rounding.
  if near "$got" "$after" 0.001; then match=1; fi
  # Each report is about the audio its own master made (never the other one's file, as when
  # both verified one shared name): at its own target, within the tolerance (0.1 LU).
  target=$([ $j = a ] && echo -14 || echo -20)
  near "$after" "$target" 0.1 || fail "master $j (target $target) reports $after LUFS"
  pass
done
[ "$match" = 1 ] || fail "out/m.mp3 measures $got LUFS, which neither master reported"
pass
no_temporaries out

# kill -9 during the render/verification: the verification copy is left with pid@host ...
"$TAPEOP" -q generate music -o long.wav --duration 300s
mkdir -p k
"$TAPEOP" -q master long.wav -o k/m.mp3 --target -14 &
pk=$!
for _ in $(seq 1 400); do
  grep -q "\.verify\.mp3$" <<<"$(ls -A k)" && break
  sleep 0.05
done
kill -9 $pk
wait $pk 2>/dev/null || true
left=$(ls -A k)
grep -Eq '^\.m\.mp3\.tapeop-tmp-[0-9]+@.*\.verify\.mp3$' <<<"$left" || fail "no verification temporary left to test with: $left"
pass
# ... and the next master into that folder removes it.
expect_exit 0 "$TAPEOP" -q master in.wav -o k/m.mp3 --target -14
[ "$(ls -A k)" = m.mp3 ] || fail "left in k/: $(ls -A k)"
pass

finish
