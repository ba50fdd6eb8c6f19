#!/usr/bin/env python3
"""Writes the MIDI of one piece of the hard benchmark set (tests/bench/make_hard.sh renders it
with FluidSynth and the General MIDI SoundFont). Deterministic: a fixed seed per piece.

usage: hard_midi.py PIECE SECONDS OUT.mid
pieces: orchestra (pp to ff and back, quiet intro: LRA well above 15 LU), drums (dense kit,
high crest factor: needs several dB of limiting at -14 LUFS / -1 dBTP), piano (a quiet
intro before loud chords), band (drums, bass, piano, pad, lead), film (soft strings with
timpani and crash hits: wide range and transients), mono (percussion, bass and organ, rendered
then folded to mono).
"""
import random
import struct
import sys

TPQ = 480  # ticks per quarter note


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


class Track:
    def __init__(self):
        self.events = []  # (tick, order, bytes)

    def note(self, tick, ch, key, vel, dur):
        vel = max(1, min(127, int(vel)))
        self.events.append((tick, 1, bytes([0x90 | ch, key, vel])))
        self.events.append((tick + max(1, int(dur)), 0, bytes([0x80 | ch, key, 0])))

    def cc(self, tick, ch, num, val):
        self.events.append((tick, 0, bytes([0xB0 | ch, num, max(0, min(127, int(val)))])))

    def program(self, tick, ch, prog):
        self.events.append((tick, 0, bytes([0xC0 | ch, prog])))

    def encode(self):
        data = b""
        last = 0
        for tick, _, ev in sorted(self.events, key=lambda e: (e[0], e[1])):
            data += vlq(tick - last) + ev
            last = tick
        data += vlq(0) + b"\xff\x2f\x00"
        return b"MTrk" + struct.pack(">I", len(data)) + data


def write(path, track, bpm):
    tempo = vlq(0) + b"\xff\x51\x03" + struct.pack(">I", int(60e6 / bpm))[1:]
    head_data = tempo + vlq(0) + b"\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 1, 2, TPQ))
        f.write(b"MTrk" + struct.pack(">I", len(head_data)) + head_data)
        f.write(track.encode())


def level_curve(t, total, shape):
    """0..1 dynamic level at time t for a named shape."""
    x = t / total
    if shape == "orchestra":  # pp intro, swell to ff, back to pp, ff finale
        pts = [(0, 0.08), (0.22, 0.1), (0.4, 1.0), (0.55, 0.9), (0.62, 0.12), (0.78, 0.15),
               (0.86, 1.0), (1.0, 1.0)]
    elif shape == "piano":
        pts = [(0, 0.15), (0.3, 0.18), (0.32, 1.0), (1.0, 0.9)]
    elif shape == "film":
        pts = [(0, 0.1), (0.3, 0.3), (0.5, 0.08), (0.7, 1.0), (1.0, 0.6)]
    else:
        pts = [(0, 0.7), (1.0, 0.8)]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return pts[-1][1]


CHORDS = [[48, 55, 60, 64], [45, 52, 57, 60], [41, 48, 53, 57], [43, 50, 55, 59]]


def piece(name, seconds):
    rnd = random.Random(sum(map(ord, name)))
    tr = Track()
    bpm = {"orchestra": 84, "drums": 132, "piano": 92, "band": 118, "film": 70, "mono": 104}[name]
    tick_s = 60.0 / bpm / TPQ
    total_ticks = int(seconds / tick_s)
    bar = 4 * TPQ
    if name in ("orchestra", "film"):
        progs = {0: 48, 1: 61, 2: 47, 3: 42, 4: 73} if name == "orchestra" else {0: 49, 2: 47, 3: 42}
        for ch, p in progs.items():
            tr.program(0, ch, p)
            tr.cc(0, ch, 7, 127 if ch == 2 else 70)  # timpani forward: transients to limit
        for b in range(0, total_ticks, bar):
            t = b * tick_s
            lv = level_curve(t, seconds, name)
            expr = 20 + 107 * lv
            for ch in progs:
                tr.cc(b, ch, 11, expr)
            chord = CHORDS[(b // bar) % 4]
            for k in chord:  # strings
                tr.note(b, 0, k + 12, 30 + 90 * lv, bar - 10)
            tr.note(b, 3, chord[0] - 12, 30 + 90 * lv, bar - 10)  # cellos
            if lv > 0.5 and name == "orchestra":
                for k in chord[1:]:
                    tr.note(b, 1, k, 40 + 87 * lv, bar // 2)  # brass
                tr.note(b, 4, chord[-1] + 24, 50 + 70 * lv, bar // 2)  # flute
            if lv > 0.4:  # timpani rolls and hits
                for s in range(0, bar, TPQ // 4 if lv > 0.8 else TPQ):
                    tr.note(b + s, 2, chord[0] - 12, 60 + 67 * lv * rnd.uniform(0.7, 1.0), TPQ // 4)
                tr.note(b, 9, 49, 70 + 57 * lv, TPQ)  # crash
                tr.note(b, 9, 57, 127 * lv, TPQ)  # second crash
                if name == "film":
                    tr.note(b, 9, 35, 127, TPQ // 2)  # boom
            elif name == "film" and (b // bar) % 4 == 0:
                tr.note(b, 2, chord[0] - 12, 120, TPQ)  # isolated hit in a quiet part
    elif name in ("drums", "band", "mono"):
        sixteenth = TPQ // 4
        if name != "drums":
            progs = {0: 33, 1: 0, 2: 89, 3: 81} if name == "band" else {0: 33, 1: 17}
            for ch, p in progs.items():
                tr.program(0, ch, p)
                tr.cc(0, ch, 7, 75 if ch == 0 else 45)
        else:
            tr.program(0, 0, 38)
        for b in range(0, total_ticks, bar):
            chord = CHORDS[(b // bar) % 4]
            fill = (b // bar) % 8 == 7
            for s in range(16):
                t = b + s * sixteenth
                acc = 1.0 if s % 4 == 0 else 0.75
                if s in (0, 8) or (s == 10 and rnd.random() < 0.5) or (name == "drums" and s in (3, 6)):
                    tr.note(t, 9, 36, 127 * acc, sixteenth)
                if s in (4, 12) or (fill and s >= 12):
                    tr.note(t, 9, 38 if not fill else rnd.choice([38, 45, 47, 50]),
                            rnd.uniform(110, 127), sixteenth)
                if name == "drums" and rnd.random() < 0.35:
                    tr.note(t, 9, 37 if rnd.random() < 0.5 else 39, rnd.uniform(80, 120), sixteenth)
                tr.note(t, 9, 42 if s % 2 == 0 else 44, rnd.uniform(40, 85) * acc, sixteenth)
                if s % 4 == 0:  # bass
                    tr.note(t, 0, chord[0] - 12 if name != "drums" else chord[0] - 24,
                            90 + 30 * acc, 3 * sixteenth)
            if (b // bar) % 4 == 0:
                tr.note(b, 9, 49, 127, TPQ)
            if name == "band":
                for k in chord:
                    tr.note(b, 2, k + 12, 70, bar - 10)  # pad
                    tr.note(b, 1, k + 12, 95, TPQ)  # piano stab
                    tr.note(b + 2 * TPQ, 1, k + 12, 85, TPQ)
                for q in range(8):
                    if rnd.random() < 0.7:
                        tr.note(b + q * TPQ // 2, 3, rnd.choice(chord) + 24, 100, TPQ // 2)
            elif name == "mono":
                for k in chord:
                    tr.note(b, 1, k + 12, 80, bar - 20)  # organ
    elif name == "piano":
        tr.program(0, 0, 0)
        for b in range(0, total_ticks, bar):
            lv = level_curve(b * tick_s, seconds, name)
            tr.cc(b, 0, 7, 30 + 97 * lv)  # the intro really quiet
            chord = CHORDS[(b // bar) % 4]
            if lv < 0.5:  # arpeggios, pp
                for i in range(8):
                    tr.note(b + i * TPQ // 2, 0, chord[i % 4] + 12, rnd.uniform(18, 30), TPQ)
            else:  # ff chords and octaves in the bass
                for q in range(4):
                    for k in chord:
                        tr.note(b + q * TPQ, 0, k + 12, rnd.uniform(100, 127), TPQ - 20)
                    tr.note(b + q * TPQ, 0, chord[0] - 12, 127, TPQ - 20)
                    tr.note(b + q * TPQ, 0, chord[0] - 24, 120, TPQ - 20)
    else:
        raise SystemExit("unknown piece: " + name)
    return tr, bpm


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    tr, bpm = piece(sys.argv[1], float(sys.argv[2]))
    write(sys.argv[3], tr, bpm)
