#!/usr/bin/env bash
# A missing output folder is created with its parents by every command; a path that exists and
# is not a folder stays an error (exit 2, one line, nothing written).
source "$(dirname "$0")/lib.sh"
T="$TAPEOP"

"$T" -q generate music -o a.wav --duration 3 --level -20
"$T" -q generate music -o b.wav --duration 3 --level -24 --seed 5
"$T" -q generate silence -o gap.wav --duration 3
sox a.wav gap.wav b.wav takes.wav
touch afile

# made NAME FILE...: each FILE exists.
made() { local n=$1; shift; for f in "$@"; do [ -f "$f" ] || fail "$n: $f not written"; done; pass; }

expect_exit 0 "$T" -q generate sine -o gen/x/y/s.wav --duration 1;     made generate gen/x/y/s.wav
expect_exit 0 "$T" -q gain a.wav -o gain1/deep/a.wav --db -1;            made "gain one file" gain1/deep/a.wav
expect_exit 0 "$T" -q gain a.wav b.wav -o gain2/deep --db -1;            made "gain several" gain2/deep/a.wav gain2/deep/b.wav
expect_exit 0 "$T" -q gain a.wav -o gain3/ --db -1;                      made "gain DIR/" gain3/a.wav
expect_exit 0 "$T" -q normalize a.wav b.wav -o norm/deep --lufs -23;     made normalize norm/deep/a.wav norm/deep/b.wav
expect_exit 0 "$T" -q convert a.wav b.wav -o conv/deep --bits 16;        made convert conv/deep/a.wav conv/deep/b.wav
expect_exit 0 "$T" -q trim a.wav b.wav -o trim/deep --start 0.5s;        made trim trim/deep/a.wav trim/deep/b.wav
expect_exit 0 "$T" -q split takes.wav -o split/deep;                     made split split/deep/takes-take01.wav split/deep/takes-take02.wav
expect_exit 0 "$T" -q gainstage a.wav b.wav -o stage/deep;               made gainstage stage/deep/a.wav stage/deep/b.wav
expect_exit 0 "$T" -q mix a.wav b.wav -o mix/deep/m.wav;                 made mix mix/deep/m.wav
expect_exit 0 "$T" -q master a.wav b.wav -o master/deep --deliver cd:cd/deep/{name}.wav
made master master/deep/a.wav master/deep/b.wav cd/deep/a.wav cd/deep/b.wav
expect_exit 0 "$T" -q run master-streaming a.wav -o run/deep;            made run run/deep/a-master.flac run/deep/tapeop-manifest.json
expect_exit 1 "$T" -q check a.wav --spec cd --junit junit/deep/r.xml;    made "check --junit" junit/deep/r.xml

# A file where a folder is needed: an error naming it, and the file left alone.
expect_exit 2 "$T" gain a.wav b.wav -o afile --db -1;        expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" normalize a.wav b.wav -o afile --lufs -23; expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" convert a.wav b.wav -o afile;             expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" gainstage a.wav -o afile;                 expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" split takes.wav -o afile;                 expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" master a.wav b.wav -o afile;              expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" mix a.wav b.wav -o afile/m.wav;           expect_one_line_error 'afile: is not a folder'
expect_exit 2 "$T" gain a.wav -o afile/sub/a.wav --db -1;    expect_one_line_error 'afile: is not a folder'
[ -f afile ] && [ ! -s afile ] || fail "afile was changed"; pass
finish
