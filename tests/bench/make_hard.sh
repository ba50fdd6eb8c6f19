#!/usr/bin/env bash
# make_hard.sh DIR: the hard benchmark set, material that behaves like real masters. MIDI written
# by hard_midi.py, rendered by FluidSynth with the General MIDI SoundFont, shaped by sox:
# wide loudness range and quiet intros (orchestra, piano, film), dense transients with a high
# crest factor (drums, band), a 96 kHz float file, a mono file, 44.1 kHz 16-bit files.
# Every file is peak-normalised to -1 dBFS, so how much limiting -14 LUFS / -1 dBTP needs
# comes from the music's crest factor. Files already present are kept. Prints the file names.
set -euo pipefail
dir=${1:?usage: make_hard.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
sf2=${HARD_SF2:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
mkdir -p "$dir"

# name piece seconds rate encoding(s16|s24|float) channels
set_list=(
  "orchestra-48k24 orchestra 180 48000 s24 2"
  "film-48k24 film 150 48000 s24 2"
  "orchestra-96kf orchestra 120 96000 float 2"
  "piano-intro-44k16 piano 150 44100 s16 2"
  "drums-48k24 drums 120 48000 s24 2"
  "drums-44k16 drums 90 44100 s16 2"
  "band-48k24 band 180 48000 s24 2"
  "band-96kf band 120 96000 float 2"
  "mono-48k24 mono 90 48000 s24 1"
  "film-mono-44k16 film 120 44100 s16 1"
)
for row in "${set_list[@]}"; do
  read -r name piece secs rate enc ch <<<"$row"
  out="$dir/$name.wav"
  if [ ! -f "$out" ]; then
    mid="$dir/.$name.mid" raw="$dir/.$name.raw.wav"
    python3 "$here/hard_midi.py" "$piece" "$secs" "$mid"
    # Rendered in float so nothing clips before the normalisation.
    fluidsynth -q -n -i -g 0.6 -r "$rate" -O float -T wav -F "$raw" "$sf2" "$mid" >/dev/null
    case $enc in
      s16) fmt=(-b 16 -e signed-integer) ;;
      s24) fmt=(-b 24 -e signed-integer) ;;
      float) fmt=(-b 32 -e floating-point) ;;
    esac
    remix=()
    [ "$ch" = 1 ] && remix=(remix 1,2)
    # trim to the stated length (FluidSynth renders the release tails), peak to -1 dBFS;
    # sox dithers the 16-bit files.
    sox -q "$raw" "${fmt[@]}" "$out" "${remix[@]}" trim 0 "$secs" gain -n -1
    rm -f "$mid" "$raw"
  fi
  echo "$out"
done
