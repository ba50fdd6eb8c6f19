#!/usr/bin/env bash
# Seed corpus for the fuzz targets, made from generated material (nothing downloaded):
#   tests/fuzz/make_corpus.sh TAPEOP OUT_DIR
# writes OUT_DIR/reader (short files in every container tapeop reads, written by tapeop itself
# and, for AU, extensible WAV, FLAC's channel-mask comment and MP4/M4A (AAC, ALAC) and ADTS
# AAC, by sox/ffmpeg/metaflac),
# OUT_DIR/recipe (the stock recipes, examples/ and docs' recipes), OUT_DIR/spec (the stock specs)
# and OUT_DIR/manifest (manifests of a real `tapeop run`, full and sharded).
# Seeds are short and small: libFuzzer mutates them fastest that way.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 TAPEOP OUT_DIR" >&2; exit 2; }
TAPEOP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$2
# A sanitizer build of tapeop makes the seeds too: the known third-party leaks are suppressed
# as in the tests (tests/lsan.supp).
export LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0"
mkdir -p "$OUT"/reader "$OUT"/recipe "$OUT"/spec "$OUT"/manifest "$OUT"/metadata
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapeop-corpus-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Audio: two short sources (stereo music at 8 kHz, mono sine at 44.1 kHz), each converted into
# every container and sample format that container holds.
"$TAPEOP" generate music -o music.wav --duration 0.1s --rate 8000 --channels 2 >/dev/null
"$TAPEOP" generate sine -o sine.wav --duration 0.05s --rate 44100 --channels 1 --freq 1000 >/dev/null
"$TAPEOP" generate noise -o noise6.wav --duration 0.02s --rate 48000 --channels 6 >/dev/null
R=$OUT/reader
for src in music sine noise6; do
  for bits in 8 16 24 32 float; do
    for ext in wav rf64 w64 aiff caf; do
      "$TAPEOP" convert $src.wav -o "$R/$src-$bits.$ext" --bits $bits >/dev/null 2>&1 ||
        rm -f "$R/$src-$bits.$ext" # a container that cannot hold this format
    done
  done
  for bits in 16 24; do
    "$TAPEOP" convert $src.wav -o "$R/$src-$bits.flac" --bits $bits >/dev/null
  done
  "$TAPEOP" convert $src.wav -o "$R/$src.ogg" >/dev/null
  "$TAPEOP" convert $src.wav -o "$R/$src.opus" --rate 48000 >/dev/null
  [ $src = noise6 ] || "$TAPEOP" convert $src.wav -o "$R/$src.mp3" --rate 44100 >/dev/null
done
cp music.wav "$R/music-plain.wav"
# Containers and header variants tapeop does not write itself.
sox music.wav -t au "$R/music-16.au"
sox music.wav -e float -t au "$R/music-float.au"
sox music.wav -e u-law "$R/music-ulaw.wav"
sox music.wav -e a-law -t aiffc "$R/music-alaw.aifc" 2>/dev/null || true
sox music.wav -e ima-adpcm "$R/music-adpcm.wav"
ffmpeg -loglevel error -y -i noise6.wav -c:a pcm_s16le -rf64 always -f wav "$R/noise6-ffmpeg.rf64" \
  </dev/null
ffmpeg -loglevel error -y -i noise6.wav -c:a pcm_s24le -f wav "$R/noise6-wavex.wav" </dev/null
"$TAPEOP" convert sine.wav -o mask.flac >/dev/null
metaflac --set-tag=WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x4 mask.flac
cp mask.flac "$R/sine-mask.flac"
sox sine.wav -C 5 "$R/sine-id3.mp3" 2>/dev/null || true
# MP4/M4A and ADTS AAC (read through libavformat/libavcodec): AAC with the index (moov) after
# the audio, as ffmpeg writes it, and before it (faststart); ALAC at 16 and 24 bits; 5.1 AAC.
ff() { ffmpeg -loglevel error -y "$@" </dev/null; }
ff -i music.wav -c:a aac -b:a 32k "$R/music-aac.m4a"
ff -i music.wav -c:a aac -b:a 32k -movflags +faststart "$R/music-aac-faststart.m4a"
ff -i sine.wav -c:a aac -b:a 64k -f adts "$R/sine.aac"
ff -i music.wav -c:a alac "$R/music-alac16.m4a"
ff -i sine.wav -c:a alac -sample_fmt s32p "$R/sine-alac24.m4a"
ff -i noise6.wav -c:a aac -b:a 96k "$R/noise6-aac.m4a"

# Recipes and specs: the stock ones, the examples, and the fenced blocks of docs/recipes.md
# and docs/specs.md.
cp "$SRC"/recipes/*.recipe "$OUT"/recipe/
find "$SRC"/examples -name '*.recipe' -exec cp {} "$OUT"/recipe/ \;
cp "$SRC"/recipes/specs/*.spec "$OUT"/spec/
extract_blocks() { # extract_blocks DOC PREFIX DEST: every ``` block of DOC as DEST/PREFIX-N
  awk -v dest="$3" -v prefix="$2" '
    /^```/ { if (inside) { close(f); inside = 0 } else { n++; f = dest "/" prefix "-" n; inside = 1; printf "" > f }; next }
    inside { print > f }' "$1"
}
extract_blocks "$SRC"/docs/recipes.md docs "$OUT"/recipe
extract_blocks "$SRC"/docs/specs.md docs "$OUT"/spec
find "$OUT"/recipe "$OUT"/spec -type f -empty -delete

# Manifests: a real run of a stock recipe over two inputs, whole and as shard 1/2.
"$TAPEOP" generate music -o in1.wav --duration 0.5s --rate 48000 >/dev/null
"$TAPEOP" generate sine -o in2.wav --duration 0.5s --rate 48000 --level -20dBFS >/dev/null
"$TAPEOP" run "$SRC"/recipes/podcast.recipe in1.wav in2.wav -o run >/dev/null
cp run/tapeop-manifest.json "$OUT"/manifest/full.json
"$TAPEOP" run "$SRC"/recipes/master-streaming.recipe in1.wav in2.wav -o shard --shard 1/2 >/dev/null
cp shard/tapeop-manifest*.json "$OUT"/manifest/ 2>/dev/null || true
for f in shard/*manifest*.json; do cp "$f" "$OUT/manifest/shard-$(basename "$f")"; done
# A failed job (an input that is not audio) records its error.
echo "not audio" > bad.wav
"$TAPEOP" run "$SRC"/recipes/podcast.recipe bad.wav in2.wav -o failed >/dev/null 2>&1 || true
cp failed/tapeop-manifest.json "$OUT"/manifest/with-failure.json 2>/dev/null || true

# Metadata: tagged files in every container read_metadata reads, each prefixed with the byte
# that makes fuzz_metadata.cpp pick its extension (index into its `extensions` table).
M=$OUT/metadata
meta_seed() { # meta_seed INDEX FILE NAME
  { printf "\\$(printf '%03o' "$1")"; cat "$2"; } >"$M/$3"
}
"$TAPEOP" generate music -o m48.wav --duration 0.2s --rate 48000 >/dev/null
python3 "$SRC"/tests/cli/bwf.py make m48.wav take.wav 172800000 4800 7200 >/dev/null
meta_seed 0 take.wav bwf-bext-ixml-info-cues.wav
"$TAPEOP" -q convert take.wav -o take.rf64 >/dev/null 2>&1 && meta_seed 1 take.rf64 take.rf64
"$TAPEOP" -q convert take.wav -o take.w64 >/dev/null 2>&1 && meta_seed 2 take.w64 take.w64
"$TAPEOP" -q convert take.wav -o take.aiff >/dev/null 2>&1 && meta_seed 3 take.aiff take.aiff
"$TAPEOP" -q convert take.wav -o take.caf >/dev/null 2>&1 && meta_seed 4 take.caf take.caf
sox -n -r 8 -c 1 -b 8 -t png pic.png 2>/dev/null || printf '\x89PNG\r\n\x1a\n' >pic.png
"$TAPEOP" -q convert m48.wav -o t.flac >/dev/null
metaflac --set-tag=TITLE=Seed --set-tag=ISRC=USRC17607839 --set-tag=REPLAYGAIN_TRACK_GAIN=-3.1 \
  --import-picture-from="3||cover||pic.png" t.flac 2>/dev/null || metaflac --set-tag=TITLE=Seed t.flac
meta_seed 5 t.flac tagged.flac
"$TAPEOP" -q convert m48.wav -o t.ogg >/dev/null
meta_seed 6 t.ogg tagged.ogg
"$TAPEOP" -q convert m48.wav -o t.opus >/dev/null
meta_seed 7 t.opus tagged.opus
"$TAPEOP" -q convert m48.wav -o t.mp3 --rate 44100 >/dev/null
exiftool -q -overwrite_original -Title=Seed -Artist=Fuzz t.mp3 >/dev/null 2>&1 || true
meta_seed 8 t.mp3 tagged.mp3
if "$TAPEOP" -q tag t.flac --set ARTIST=Fuzz >/dev/null 2>&1; then meta_seed 5 t.flac tag-tool.flac; fi
# MP4: iTunes atoms (title, artist, a freeform one) and a cover, as ffmpeg writes them.
ff -f lavfi -i color=c=red:s=8x8 -frames:v 1 cover.png
ff -i m48.wav -i cover.png -map 0 -map 1 -c:a aac -b:a 64k -c:v copy -disposition:v attached_pic \
  -metadata title=Seed -metadata artist=Fuzz -metadata ISRC=USRC17607839 t.m4a
meta_seed 9 t.m4a tagged.m4a
ff -i m48.wav -c:a alac -metadata title=Seed t-alac.m4a
meta_seed 9 t-alac.m4a tagged-alac.m4a

for d in reader recipe spec manifest metadata; do
  echo "$d: $(find "$OUT/$d" -type f | wc -l) seeds, $(du -sk "$OUT/$d" | cut -f1) KiB"
done
