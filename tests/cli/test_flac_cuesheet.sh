#!/usr/bin/env bash
# FLAC cue sheets (CUESHEET block) travel with the audio: the input's cue sheet is built with
# metaflac --import-cuesheet-from, the outputs are read back with metaflac --export-cuesheet-to
# and with info --json. Kept on FLAC -> FLAC, moved on trim (tracks before the cut dropped, the
# cut track starts at 0 with its current index, lead-out = the new length), rescaled on a
# rate change (no longer CD-DA: a non-CD cue sheet).
source "$(dirname "$0")/lib.sh"
V="python3 $TAPEOP_SOURCE_DIR/tests/cli/validate_json.py"
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cs() { "$TAPEOP" --json info "$1" >"$1.json" && $V "$TAPEOP_SOURCE_DIR/docs/schema/info.json" "$1.json" ||
  fail "$1: schema"; python3 -c "import json; d=json.load(open('$1.json'))['files'][0]['cuesheet']; print(($2))"; }

"$TAPEOP" -q generate music -o src.wav --duration 20 --rate 44100 --bits 16 --level -20
flac -s -o cd.flac src.wav 2>/dev/null
# Three tracks on CD sectors (MM:SS:FF, 75 frames a second = 588 samples).
cat >cd.cue <<'CUE'
CATALOG 1234567890123
FILE "cd.wav" WAVE
  TRACK 01 AUDIO
    ISRC GBAYE0000001
    INDEX 01 00:00:00
  TRACK 02 AUDIO
    INDEX 00 00:05:00
    INDEX 01 00:07:00
  TRACK 03 AUDIO
    INDEX 01 00:12:00
CUE
metaflac --import-cuesheet-from=cd.cue cd.flac || fail "metaflac import"
J=$(cs cd.flac 'd["is_cd"], [(t["number"], t["position"]) for t in d["tracks"]]')
[ "$J" = "(True, [(1, 0), (2, 220500), (3, 529200)])" ] || fail "input read: $J"; pass

# Kept on FLAC -> FLAC (gain 0 dB).
expect_exit 0 "$TAPEOP" -q gain cd.flac -o same.flac --db 0
metaflac --export-cuesheet-to=a.cue cd.flac && metaflac --export-cuesheet-to=b.cue same.flac ||
  fail "metaflac export"
diff <(grep -v ^FILE a.cue) <(grep -v ^FILE b.cue) >/dev/null || fail "cue sheet changed: $(diff a.cue b.cue)"; pass

# Trim 6 s off the head (264600 frames, 450 sectors): track 1 goes, track 2 starts at 0 in its
# INDEX 00 (its INDEX 01 was at 7 s: now 1 s = 44100), track 3 at 6 s. Still on sectors: CD.
expect_exit 0 "$TAPEOP" -q trim cd.flac -o cut.flac --start 6s
J=$(cs cut.flac 'd["is_cd"], [(t["number"], t["position"], [(i["number"], i["position"]) for i in t["indices"]]) for t in d["tracks"]]')
[ "$J" = "(True, [(2, 0, [(0, 0), (1, 44100)]), (3, 264600, [(1, 264600)])])" ] || fail "trim: $J"; pass
metaflac --export-cuesheet-to=cut.cue cut.flac || fail "export cut"
# Lead-out at the new length.
LEN=$(metaflac --show-total-samples cut.flac)
LIST=$(metaflac --list --block-type=CUESHEET cut.flac)
grep -q "offset: $LEN" <<<"$(grep -A1 'track\[2\]' <<<"$LIST")" || fail "lead-out not at $LEN: $LIST"; pass

# Rate change 44.1 -> 48 kHz: positions rescaled; no longer CD-DA.
expect_exit 0 "$TAPEOP" -q convert cd.flac -o hi.flac --rate 48000
J=$(cs hi.flac 'd["is_cd"], [(t["number"], t["position"]) for t in d["tracks"]]')
[ "$J" = "(False, [(1, 0), (2, 240000), (3, 576000)])" ] || fail "rate: $J"; pass
metaflac --export-cuesheet-to=hi.cue hi.flac || fail "metaflac cannot read the rescaled cue sheet"; pass
finish
