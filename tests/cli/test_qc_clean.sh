#!/usr/bin/env bash
# QC precision and recall on real-sounding material, generated here: MIDI written by hand in
# several genres (rock, piano, orchestral, electronic; kick drums, bass lines and piano parts
# on G#1 51.9 Hz, A1 55 Hz, B1 61.7 Hz, C2 65.4 Hz; timpani, orchestra hits, pizzicato),
# rendered with FluidSynth and the General MIDI SoundFont, stems of the low parts, and spoken
# word from espeak-ng. Both sides are asserted:
#   - the clean set (9 files, 6.5 minutes) gets no finding at all from hum, click, dropout or any
#     other detector (the issue allows one warning per hour; 6.5 minutes round that to none);
#   - the same material with planted defects: every one found, at its time (+-2 ms for clicks
#     and dropouts, whose times are printed to the millisecond; hum from the start of the file,
#     within the first 2 s window), and nothing else of that kind.
# Deterministic: fixed MIDI, no reverb or chorus, fixed plant times.
source "$(dirname "$0")/lib.sh"
command -v fluidsynth >/dev/null && command -v espeak-ng >/dev/null || fail "needs fluidsynth and espeak-ng (make deps)"
SF2=/usr/share/sounds/sf2/FluidR3_GM.sf2
[ -f "$SF2" ] || fail "needs $SF2 (fluid-soundfont-gm)"

mkdir midi clean planted
python3 - midi <<'PY'
# Writes the clean set's MIDI files by hand (format 0, 480 ticks per beat): several genres with
# kick drums, bass lines and piano parts near 50-65 Hz, and orchestral percussive onsets.
import struct, sys

A1, GS1, B1, C2, G1, E1, D2, E2 = 33, 32, 35, 36, 31, 28, 38, 40
TPB = 480

def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))

def write(path, bpm, programs, notes, pans=None, stems=()):
    """stems: (suffix, channels, keys or None): also write the piece reduced to those parts."""
    for suffix, chans, keys in stems:
        part = [x for x in notes if x[2] in chans and (keys is None or x[3] in keys)]
        write(path.replace('.mid', '_' + suffix + '.mid'), bpm,
              {c: p for c, p in programs.items() if c in chans}, part, pans)
    _write(path, bpm, programs, notes, pans)

def _write(path, bpm, programs, notes, pans=None):
    """programs: {channel: GM program}; notes: (beat, beats, channel, key, velocity)."""
    ev = [(0, 0, bytes([0xFF, 0x51, 3]) + struct.pack('>I', round(60e6 / bpm))[1:])]
    for ch, prog in programs.items():
        ev.append((0, 1, bytes([0xC0 | ch, prog])))
    for ch, pan in (pans or {}).items():
        ev.append((0, 1, bytes([0xB0 | ch, 10, pan])))
    end = 0
    for beat, beats, ch, key, vel in notes:
        on, off = round(beat * TPB), round((beat + beats) * TPB)
        ev.append((on, 3, bytes([0x90 | ch, key, vel])))
        ev.append((off, 2, bytes([0x80 | ch, key, 0])))
        end = max(end, off)
    ev.append((end + 2 * TPB, 9, bytes([0xFF, 0x2F, 0])))
    ev.sort(key=lambda e: (e[0], e[1]))
    track, t = b'', 0
    for tick, _, data in ev:
        track += varlen(tick - t) + data
        t = tick
    with open(path, 'wb') as f:
        f.write(b'MThd' + struct.pack('>IHHH', 6, 0, 1, TPB))
        f.write(b'MTrk' + struct.pack('>I', len(track)) + track)

def rock():  # 120 BPM, 20 bars (40 s): kick/snare/hats, finger bass on A1 G#1 B1 C2, guitar
    n = []
    line = [A1, A1, GS1, B1, C2, A1, B1, GS1]
    for bar in range(20):
        b0 = bar * 4
        quiet = bar in (12, 13)  # a breakdown: soft bass only
        for e in range(8):
            n.append((b0 + e / 2, 0.45, 1, line[(bar + e) % 8], 50 if quiet else 100))
            if not quiet:
                n.append((b0 + e / 2, 0.2, 9, 42, 70))  # closed hi-hat
        if not quiet:
            for k in (0, 2, 2.5):
                n.append((b0 + k, 0.3, 9, 36, 120))  # kick
            for s in (1, 3):
                n.append((b0 + s, 0.3, 9, 38, 110))  # snare
            n.append((b0, 3.9, 0, 45, 80)); n.append((b0, 3.9, 0, 52, 80))  # power chord
    write(sys.argv[1] + '/rock.mid', 120, {0: 29, 1: 33}, n, {0: 30, 1: 64})

def piano():  # 72 BPM, 12 bars (40 s): left hand G#1 A1 B1 C2 half notes, right-hand chords
    n = []
    lows = [A1, B1, C2, GS1, A1, C2, B1, A1, GS1, B1, C2, A1]
    for bar in range(12):
        b0 = bar * 4
        v = 45 if bar in (5, 6) else 85
        n.append((b0, 2, 0, lows[bar], v)); n.append((b0 + 2, 2, 0, lows[bar] + 12, v - 10))
        for k, key in enumerate((57, 60, 64, 69)):
            n.append((b0 + k, 1.0, 0, key + (bar % 3), v - 15))
    n.append((48, 4, 0, A1, 70)); n.append((48, 4, 0, 57, 60))
    write(sys.argv[1] + '/piano.mid', 72, {0: 0}, n, None, [('low', (0,), (GS1, A1, B1, C2))])

def orchestral():  # 90 BPM, 15 bars (40 s): strings, pizzicato bass, timpani, orchestra hits
    n = []
    chords = [(45, 52, 57, 61), (43, 50, 55, 59), (41, 48, 53, 57), (40, 47, 52, 56)]
    for bar in range(15):
        b0 = bar * 4
        c = chords[bar % 4]
        for key in c:
            n.append((b0, 3.95, 0, key + 12, 70))
        for e in range(8):
            n.append((b0 + e / 2, 0.3, 1, [A1, E2, C2, E2, B1, D2, GS1, E2][e], 95))  # pizzicato
        n.append((b0, 1, 2, A1 + 12 * (bar % 2), 115))  # timpani (A1 / A2)
        n.append((b0 + 3, 0.25, 2, E2, 100))
        if bar % 4 == 3:
            for r in range(8):  # a timpani roll into the next bar
                n.append((b0 + 2 + r / 4, 0.25, 2, A1 + 12, 60 + 6 * r))
        if bar % 2 == 0:
            n.append((b0, 0.5, 3, 57, 110)); n.append((b0, 0.5, 3, 45, 110))  # orchestra hit
    write(sys.argv[1] + '/orchestral.mid', 90, {0: 48, 1: 45, 2: 47, 3: 55}, n,
          {0: 40, 1: 80, 2: 64, 3: 64}, [('timpani', (2,), None)])

def electronic():  # 128 BPM, 20 bars (37.5 s): four-on-the-floor, long synth-bass notes
    n = []
    bass = [A1, A1, B1, B1, GS1, GS1, C2, G1]
    for bar in range(20):
        b0 = bar * 4
        n.append((b0, 3.9, 1, bass[bar % 8], 105))  # a whole-bar bass note near 50-65 Hz
        for q in range(4):
            n.append((b0 + q, 0.25, 9, 36, 127)); n.append((b0 + q, 0.25, 9, 35, 100))
            n.append((b0 + q + 0.5, 0.25, 9, 46, 70))  # open hat on the off-beat
        for s in (1, 3):
            n.append((b0 + s, 0.25, 9, 39, 100))  # clap
        for e in range(0, 8, 3):
            n.append((b0 + e / 2, 0.4, 0, 69 + (bar % 4) * 2, 80))  # lead
    write(sys.argv[1] + '/electronic.mid', 128, {0: 80, 1: 38}, n, {0: 90, 1: 64},
          [('kick', (9,), (35, 36)), ('bass', (1,), None)])

rock(); piano(); orchestral(); electronic()
PY
# The renders carry a DC offset (FluidSynth's timpani and pizzicato samples: -52 dBFS on the
# orchestral mix), a real defect that any master removes: a 5 Hz high-pass, then 24-bit.
for m in midi/*.mid; do
  n=$(basename "$m" .mid)
  fluidsynth -ni -g 0.6 -R 0 -C 0 -F "midi/$n.wav" -r 48000 "$SF2" "$m" >/dev/null 2>&1
  sox "midi/$n.wav" -b 24 "clean/$n.wav" highpass 5
done
espeak-ng -w midi/s1.wav "Good evening. This is the late news, read slowly and clearly. The river rose by two metres overnight, and the old bridge was closed at six o'clock. Engineers say it will open again on Friday, if the rain stops. In sport, the home team won by three goals to one, their first win since March. And finally, the weather: cold and bright tomorrow, with a light wind from the north."
espeak-ng -v en+f3 -s 150 -w midi/s2.wav "Welcome back to the workshop. Today we are building a small wooden box. First, measure twice and cut once. Sand every edge until it feels smooth. Then glue the corners, clamp them, and wait a full hour before you go on."
sox midi/s1.wav midi/s2.wav -r 48000 -b 24 clean/speech.wav rate -v

# Planting. Hum: 50 or 60 Hz with its 2nd and 3rd harmonics (-6 and -10 dB), over the whole
# file, with 3 s of room tone (the hum alone) before and after the music, as a recording has.
hum() { # hum NAME OUT HZ DBFS
  local in=clean/$1.wav a dur c mix
  a=$(awk -v d="$4" 'BEGIN{printf "%.8f", 10^(d/20)}')
  sox "$in" -e floating-point -b 32 padded.wav pad 3 3
  dur=$(soxi -D padded.wav); c=$(soxi -c padded.wav)
  sox -n -r 48000 -c 3 -b 32 -e floating-point h3.wav synth "$dur" sine "$3" sine "$(($3 * 2))" sine "$(($3 * 3))"
  mix="1v$a,2v$(awk -v a="$a" 'BEGIN{print a*0.5}'),3v$(awk -v a="$a" 'BEGIN{print a*0.316}')"
  if [ "$c" = 2 ]; then sox h3.wav h.wav remix "$mix" "$mix"; else sox h3.wav h.wav remix "$mix"; fi
  sox -m -v 1 padded.wav -v 1 h.wav -e floating-point -b 32 "planted/$2.wav"
  rm padded.wav h3.wav h.wav
}
# Clicks (a one-sample spike of the given amplitude on every channel) and dropouts (every
# channel at digital zero for the given ms), each at the first place at or after the given time
# where the audio is active on both sides (a dropout in a pause is no dropout). Prints the
# times used, in seconds.
plant() { # plant NAME OUT click|dropout T:ARG...
  python3 - "$@" <<'PY'
import array, subprocess, sys
name, out, kind = sys.argv[1:4]
info = subprocess.run(['soxi', '-c', f'clean/{name}.wav'], capture_output=True, text=True)
C, R = int(info.stdout), 48000
x = array.array('f')
x.frombytes(subprocess.run(['sox', f'clean/{name}.wav', '-t', 'f32', '-'], capture_output=True).stdout)
def loud(i, span):  # the peak of channel 0 over [i, i + span)
    return max(abs(x[(i + k) * C]) for k in range(span))
times = []
for spec in sys.argv[4:]:
    t, arg = spec.split(':')
    i, ms = round(float(t) * R), R // 1000
    while loud(i - 2 * ms, 2 * ms) < 0.02 or loud(i + 20 * ms, 2 * ms) < 0.02 or loud(i - ms, 2 * ms) < 0.02:
        i += ms
    if kind == 'click':
        for c in range(C):
            x[i * C + c] += float(arg)
    else:
        for k in range(round(float(arg) * ms)):
            for c in range(C):
                x[(i + k) * C + c] = 0.0
    times.append(i / R)
subprocess.run(['sox', '-t', 'f32', '-r', str(R), '-c', str(C), '-', '-e', 'floating-point',
                '-b', '32', f'planted/{out}.wav'], input=x.tobytes(), check=True)
print(' '.join(f'{t:.3f}' for t in times))
PY
}

hum rock rock_hum50 50 -60
hum piano piano_hum60 60 -65
hum speech speech_hum50 50 -60
hum electronic electronic_hum60 60 -70
declare -A CLICKS DROPOUTS
CLICKS[orchestral_clicks]=$(plant orchestral orchestral_clicks click 5.5:0.2 20.0:0.05)
CLICKS[piano_clicks]=$(plant piano piano_clicks click 3.3:0.05 29.1:0.1)
CLICKS[rock_clicks]=$(plant rock rock_clicks click 12.25:0.1 31.7:0.2)
CLICKS[speech_clicks]=$(plant speech speech_clicks click 2.5:0.3 9.9:0.05 21.3:0.2)
DROPOUTS[rock_dropouts]=$(plant rock rock_dropouts dropout 8.0:20 33.3:5)
DROPOUTS[electronic_dropouts]=$(plant electronic electronic_dropouts dropout 6.0:10 27.4:3)
DROPOUTS[speech_dropouts]=$(plant speech speech_dropouts dropout 4.4:8 17.0:30 30.0:2)

# Detectors at their defaults, hum raised to an error as the stem spec does.
printf 'hum severity=error\n' > qc.spec
expect_exit 0 "$TAPEOP" --no-progress --json check clean/*.wav --spec ./qc.spec
python3 - "$OUT" <<'PY' || fail "findings on the clean set"
import json, sys
files = json.loads(sys.argv[1])['files']
bad = [(f['path'], x['check'], x['message']) for f in files for x in f['findings']]
for b in bad:
    print('  clean set:', *b, file=sys.stderr)
sys.exit(1 if bad or len(files) != 9 else 0)
PY
pass

set +e
"$TAPEOP" --no-progress --json check planted/*.wav --spec ./qc.spec > planted.json
set -e
want=$(for n in "${!CLICKS[@]}"; do echo "$n click ${CLICKS[$n]}"; done
       for n in "${!DROPOUTS[@]}"; do echo "$n dropout ${DROPOUTS[$n]}"; done
       echo "rock_hum50 hum 50 -60"; echo "piano_hum60 hum 60 -65"
       echo "speech_hum50 hum 50 -60"; echo "electronic_hum60 hum 60 -70")
python3 - planted.json <<PY || fail "planted defects not all found, or found elsewhere"
import json, re, sys
files = {f['path'].split('/')[-1][:-4]: f for f in json.load(open(sys.argv[1]))['files']}
ok = True
def bad(*msg):
    global ok
    ok = False
    print('  planted:', *msg, file=sys.stderr)
for line in """$want""".splitlines():
    name, check, *args = line.split()
    found = [x for x in files[name]['findings'] if x['check'] == check]
    if len(found) != 1:
        bad(name, check, 'not found'); continue
    f = found[0]
    if check == 'hum':
        hz, db = args
        if not f['message'].startswith(hz + ' Hz') or abs(f['value'] - float(db)) > 2 or f['at_s'] > 2:
            bad(name, 'hum', f['message'])
        continue
    want = [float(t) for t in args]
    channels = 1 if name.startswith('speech') else 2
    stamps = [int(m[0]) * 60 + float(m[1]) for m in re.findall(r'(\d\d):(\d\d\.\d\d\d)', f['message'])]
    if f['value'] != len(want) * channels:
        bad(name, check, 'count', f['value'], 'planted', len(want) * channels, f['message'])
    for t in want:
        if not any(abs(s - t) <= 0.002 for s in stamps):
            bad(name, check, 'nothing at', t, f['message'])
# Nothing else of the planted kinds anywhere.
for name, f in files.items():
    for x in f['findings']:
        if x['check'] in ('hum', 'click', 'dropout') and not name.endswith(
                {'hum': ('hum50', 'hum60'), 'click': ('clicks',), 'dropout': ('dropouts',)}[x['check']]):
            bad(name, 'unexpected', x['check'], x['message'])
sys.exit(0 if ok else 1)
PY
pass
finish
