#!/usr/bin/env python3
"""WAV files with every bit of their format used, and the exact bytes of their samples.

  pcm.py write OUT FORMAT KIND [SEED]   FORMAT: s16 s24 s32 f32 f64 (stereo, 48 kHz)
      KIND music: 4 s of tones and noise near -12 dBFS, every sample carrying random low
                  bits down to the format's last one (a 32-bit integer's low 8 bits, a
                  double's 53-bit mantissa: what float processing cannot hold);
           half:  2 s whose peak is exactly half scale (channel 1, frame 1000: -6.0206 dBFS),
                  every other sample under 0.45, the same random low bits;
           two:   half, 3 s of digital silence, half again (two takes for split).
  pcm.py md5 FILE [START END]           md5 of the data chunk's bytes (of frames START..END):
      the samples exactly as stored, whatever the format (sox reads through 32-bit integers,
      which would hide a double's low bits).
"""
import hashlib
import math
import random
import struct
import sys

RATE = 48000
FORMATS = {  # name: (bytes per sample, WAVE format tag)
    "s16": (2, 1),
    "s24": (3, 1),
    "s32": (4, 1),
    "f32": (4, 3),
    "f64": (8, 3),
}


def pack(fmt, v):
    """v in [-1, 1): the sample in FORMAT, with random bits below what float32 holds."""
    width = FORMATS[fmt][0]
    if fmt == "f64":
        return struct.pack("<d", v)
    if fmt == "f32":
        return struct.pack("<f", v)
    bits = 8 * width
    k = max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, math.floor(v * (1 << (bits - 1)))))
    return (k & ((1 << bits) - 1)).to_bytes(width, "little")


def signal(kind, rng):
    """Frames (left, right) as doubles with random low bits."""
    frames = []
    if kind == "music":
        for i in range(4 * RATE):
            t = i / RATE
            v = 0.12 * math.sin(2 * math.pi * 220 * t) + 0.08 * math.sin(2 * math.pi * 331 * t + 1)
            v += 0.03 * math.sin(2 * math.pi * 1870 * t) * math.sin(2 * math.pi * 0.7 * t)
            v += rng.uniform(-0.01, 0.01)
            w = 0.1 * math.sin(2 * math.pi * 147 * t + 2) + rng.uniform(-0.01, 0.01)
            frames.append((v, w))
        return frames
    if kind in ("half", "two"):
        take = []
        for i in range(2 * RATE):
            t = i / RATE
            v = 0.3 * math.sin(2 * math.pi * 440 * t) + 0.1 * math.sin(2 * math.pi * 97 * t + 1)
            v += rng.uniform(-1e-4, 1e-4)
            take.append((0.5 if i == 1000 else v, -v / 2))
        if kind == "half":
            return take
        return take + [(0.0, 0.0)] * (3 * RATE) + take
    raise SystemExit("unknown kind " + kind)


def write(out, fmt, kind, seed):
    width, tag = FORMATS[fmt]
    rng = random.Random(seed)
    data = b"".join(pack(fmt, l) + pack(fmt, r) for l, r in signal(kind, rng))
    channels = 2
    fmt_chunk = struct.pack("<HHIIHH", tag, channels, RATE, RATE * channels * width,
                            channels * width, 8 * width)
    chunks = b""
    if tag == 3:  # IEEE float: cbSize and a fact chunk, as the format asks
        fmt_chunk += struct.pack("<H", 0)
        chunks += b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
        chunks += b"fact" + struct.pack("<II", 4, len(data) // (channels * width))
    else:
        chunks += b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    chunks += b"data" + struct.pack("<I", len(data)) + data
    with open(out, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)


def data_chunk(path):
    """(bytes of the data chunk, bytes per frame) of a RIFF or RF64 WAV."""
    d = open(path, "rb").read()
    if d[:4] not in (b"RIFF", b"RF64") or d[8:12] != b"WAVE":
        raise SystemExit(path + ": not a WAV file")
    at, frame = 12, None
    while at + 8 <= len(d):
        cid, size = d[at:at + 4], struct.unpack("<I", d[at + 4:at + 8])[0]
        if cid == b"fmt ":
            frame = struct.unpack("<H", d[at + 20:at + 22])[0]  # block align
        if cid == b"data":
            if size == 0xFFFFFFFF:  # RF64: the size is in ds64
                size = len(d) - at - 8
            return d[at + 8:at + 8 + size], frame
        at += 8 + size + (size & 1)
    raise SystemExit(path + ": no data chunk")


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    elif len(sys.argv) in (3, 5) and sys.argv[1] == "md5":
        data, frame = data_chunk(sys.argv[2])
        if len(sys.argv) == 5:
            data = data[int(sys.argv[3]) * frame:int(sys.argv[4]) * frame]
        print(hashlib.md5(data).hexdigest())
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
