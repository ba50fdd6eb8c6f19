#!/usr/bin/env python3
"""Mutation run: damaged audio files through tapeop's commands (issue 15, README "Reliability").

Makes COUNT damaged files from short generated ones in every container tapeop reads (WAV,
RF64, W64, AIFF, AU, CAF, FLAC, Ogg Vorbis, Opus, MP3, AAC and ALAC in MP4/M4A, ADTS AAC): bit
flips, truncations and header-field edits (each container's own fields: rates, channel counts,
sizes, frame counts, MP4 box sizes and sample tables; Ogg pages re-checksummed so the edit gets
past the CRC). Each file goes through analyze, check, convert
and master, each run under a timeout. Required of every run:
  - no signal (crash), no timeout (hang), exit code 0, 1 or 2;
  - a failure (exit 2) prints exactly one stderr line, and that line names the file;
  - no temporary left anywhere, and no output file left by a failed run.
  - a file cut short inside the audio its header announces is not accepted with exit 0.

  tests/fuzz/mutate.py --tapeop build/tapeop --count 2000 --seed 1 --jobs 2

Deterministic for a given seed, count and tapeop build. Exit 0 when every run met the rules,
1 otherwise (the violations are listed). python3 only, no pip.
"""
import argparse
import collections
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

CONTAINERS = ["wav", "rf64", "w64", "aiff", "au", "caf", "flac", "ogg", "opus", "mp3", "m4a",
              "alac", "aac"]
# Containers whose files carry another extension: ALAC is an M4A file.
SUFFIX = {"alac": "m4a"}
COMMANDS = ["analyze", "check", "convert", "master"]
INTERESTING32 = [0, 1, 2, 7, 255, 256, 999, 1000, 8000, 44100, 65535, 65536, 768001,
                 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE]
INTERESTING16 = [0, 1, 2, 3, 7, 8, 255, 256, 257, 1024, 0x7FFF, 0x8000, 0xFFFF]


# ---------------------------------------------------------------------------------------------
# Base files


def make_bases(tapeop, dest):
    """Two short sources per container, written by tapeop (AU by sox; MP4/M4A and ADTS AAC by
    ffmpeg: AAC with its index (moov) before the audio, ALAC with it after, as ffmpeg writes
    it by default). Returns {path: container}."""
    os.makedirs(dest, exist_ok=True)
    srcs = {
        "st": ["music", "--duration", "1s", "--rate", "44100", "--channels", "2"],
        "mo": ["sine", "--duration", "0.5s", "--rate", "16000", "--channels", "1",
               "--freq", "440"],
    }
    bases = {}
    for tag, args in srcs.items():
        src = os.path.join(dest, tag + "-src.wav")
        run([tapeop, "generate", args[0], "-o", src] + args[1:])
        for ext in CONTAINERS:
            out = os.path.join(dest, "%s-%s.%s" % (tag, ext, SUFFIX.get(ext, ext)))
            ffmpeg = ["ffmpeg", "-loglevel", "error", "-y", "-i", src]
            if ext == "au":
                run(["sox", src, "-t", "au", out])
            elif ext == "m4a":
                run(ffmpeg + ["-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", out])
            elif ext == "alac":
                run(ffmpeg + ["-c:a", "alac", out])
            elif ext == "aac":
                run(ffmpeg + ["-c:a", "aac", "-b:a", "96k", "-f", "adts", out])
            else:
                extra = []
                if ext == "opus":
                    extra = ["--rate", "48000"]
                elif ext == "mp3" and tag == "mo":
                    extra = ["--rate", "22050"]
                elif ext in ("rf64", "caf"):
                    extra = ["--bits", "24"]
                elif ext == "w64":
                    extra = ["--bits", "float"]
                run([tapeop, "convert", src, "-o", out] + extra)
            bases[out] = ext
        os.remove(src)
    return bases


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


# ---------------------------------------------------------------------------------------------
# Header fields: (offset, width, byte order) of the fields that describe the audio, per container


def riff_fields(d, big=False, ds64=False):
    """RIFF/RF64 WAV: the RIFF size, fmt's fields, ds64's sizes, data's size."""
    fields = [(4, 4, "<")]
    pos = 12
    while pos + 8 <= len(d):
        cid = d[pos:pos + 4]
        size = struct.unpack_from("<I", d, pos + 4)[0]
        body = pos + 8
        fields.append((pos + 4, 4, "<"))
        if cid == b"fmt ":
            fields += [(body, 2, "<"), (body + 2, 2, "<"), (body + 4, 4, "<"),
                       (body + 8, 4, "<"), (body + 12, 2, "<"), (body + 14, 2, "<")]
            if size >= 40:  # WAVE_FORMAT_EXTENSIBLE: valid bits, channel mask, sub-format
                fields += [(body + 18, 2, "<"), (body + 20, 4, "<"), (body + 24, 2, "<")]
        elif cid == b"ds64":
            fields += [(body, 8, "<"), (body + 8, 8, "<"), (body + 16, 8, "<")]
        elif cid == b"data":
            break
        pos = body + size + (size & 1)
        if size == 0xFFFFFFFF:
            break
    return fields


def w64_fields(d):
    fields = [(16, 8, "<")]
    pos = 40
    while pos + 24 <= len(d):
        size = struct.unpack_from("<Q", d, pos + 16)[0]
        fields.append((pos + 16, 8, "<"))
        if d[pos:pos + 4] == b"fmt ":
            body = pos + 24
            fields += [(body, 2, "<"), (body + 2, 2, "<"), (body + 4, 4, "<"),
                       (body + 8, 4, "<"), (body + 12, 2, "<"), (body + 14, 2, "<")]
        if d[pos:pos + 4] == b"data" or size < 24:
            break
        pos += (size + 7) & ~7
    return fields


def aiff_fields(d):
    fields = [(4, 4, ">")]
    pos = 12
    while pos + 8 <= len(d):
        cid = d[pos:pos + 4]
        size = struct.unpack_from(">I", d, pos + 4)[0]
        body = pos + 8
        fields.append((pos + 4, 4, ">"))
        if cid == b"COMM":
            # channels, frames, bits, the 80-bit rate's exponent and mantissa top
            fields += [(body, 2, ">"), (body + 2, 4, ">"), (body + 6, 2, ">"),
                       (body + 8, 2, ">"), (body + 10, 4, ">")]
        elif cid == b"SSND":
            fields += [(body, 4, ">"), (body + 4, 4, ">")]
            break
        pos = body + size + (size & 1)
    return fields


def caf_fields(d):
    fields = []
    pos = 8
    while pos + 12 <= len(d):
        cid = d[pos:pos + 4]
        size = struct.unpack_from(">q", d, pos + 4)[0]
        body = pos + 12
        fields.append((pos + 4, 8, ">"))
        if cid == b"desc":
            # rate (a double: its top bytes), format id, flags, bytes/packet, frames/packet,
            # channels, bits
            fields += [(body, 4, ">"), (body + 8, 4, ">"), (body + 12, 4, ">"),
                       (body + 16, 4, ">"), (body + 20, 4, ">"), (body + 24, 4, ">"),
                       (body + 28, 4, ">")]
        elif cid == b"chan":
            fields += [(body, 4, ">"), (body + 4, 4, ">"), (body + 8, 4, ">")]
        if cid == b"data" or size < 0:
            break
        pos = body + size
    return fields


def flac_fields(d):
    fields = []
    pos = 4
    while pos + 4 <= len(d):
        hdr = d[pos]
        length = int.from_bytes(d[pos + 1:pos + 4], "big")
        fields.append((pos + 1, 3, ">"))
        if hdr & 0x7F == 0:  # STREAMINFO: block sizes, frame sizes, rate/channels/bits/total
            b = pos + 4
            fields += [(b, 2, ">"), (b + 2, 2, ">"), (b + 4, 3, ">"), (b + 7, 3, ">"),
                       (b + 10, 4, ">"), (b + 14, 4, ">")]
        if hdr & 0x80:
            break
        pos += 4 + length
    return fields


def ogg_pages(d):
    pages = []
    pos = d.find(b"OggS")
    while pos >= 0 and pos + 27 <= len(d):
        nseg = d[pos + 26]
        if pos + 27 + nseg > len(d):
            break
        body = pos + 27 + nseg
        size = sum(d[pos + 27:body])
        pages.append((pos, body, size))
        pos = d.find(b"OggS", body + size)
    return pages


def ogg_fields(d):
    """Page header fields of the first pages and the codec's identification header."""
    fields = []
    pages = ogg_pages(d)
    for start, body, _size in pages[:3] + pages[-2:]:
        fields += [(start + 5, 1, "<"), (start + 6, 8, "<"), (start + 14, 4, "<"),
                   (start + 18, 4, "<"), (start + 26, 1, "<")]
    if pages:
        body = pages[0][1]
        if d[body:body + 8] == b"OpusHead":
            # channels, pre-skip, input rate, output gain, mapping family
            fields += [(body + 9, 1, "<"), (body + 10, 2, "<"), (body + 12, 4, "<"),
                       (body + 16, 2, "<"), (body + 18, 1, "<")]
        elif d[body + 1:body + 7] == b"vorbis":
            # channels, rate, bitrates, block sizes
            fields += [(body + 11, 1, "<"), (body + 12, 4, "<"), (body + 16, 4, "<"),
                       (body + 24, 4, "<"), (body + 28, 1, "<")]
    return fields


def mp3_fields(d):
    fields = []
    start = 0
    if d[:3] == b"ID3":
        fields.append((6, 4, ">"))
        start = 10 + ((d[6] << 21) | (d[7] << 14) | (d[8] << 7) | d[9])
    pos, n = start, 0
    while n < 6:
        pos = d.find(b"\xff", pos)
        if pos < 0 or pos + 4 > len(d):
            break
        if d[pos + 1] & 0xE0 == 0xE0:
            fields += [(pos + 1, 1, ">"), (pos + 2, 1, ">"), (pos + 3, 1, ">")]
            for tag in (b"Xing", b"Info"):
                x = d.find(tag, pos, pos + 64)
                if x >= 0:
                    fields += [(x + 4, 4, ">"), (x + 8, 4, ">"), (x + 12, 4, ">")]
            n += 1
        pos += 1
    return fields


MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta", b"edts", b"dinf"}


def mp4_fields(d, start=0, end=None, fields=None):
    """Every box's size, and the fields that describe the audio: the movie's and the track's
    time scales and durations, the sample entry's channels, bits and rate, ALAC's own header,
    the sample tables' counts and first entries, the edit list."""
    fields = [] if fields is None else fields
    end = len(d) if end is None else end
    pos = start
    while pos + 8 <= end:
        size = struct.unpack_from(">I", d, pos)[0]
        kind = d[pos + 4:pos + 8]
        fields.append((pos, 4, ">"))
        body = pos + 8
        box_end = end if size < 8 else min(end, pos + size)
        if kind in MP4_CONTAINERS:
            mp4_fields(d, body, box_end, fields)
        elif kind in (b"mvhd", b"mdhd"):
            fields += [(body + 12, 4, ">"), (body + 16, 4, ">")]  # version 0: scale, duration
        elif kind == b"tkhd":
            fields.append((body + 20, 4, ">"))
        elif kind == b"stsd":
            e = body + 8  # the first sample entry: size, type, then the audio fields
            fields += [(body + 4, 4, ">"), (e, 4, ">"), (e + 24, 2, ">"), (e + 26, 2, ">"),
                       (e + 32, 4, ">")]
            a = d.find(b"alac", e + 8, box_end)
            if a >= 0:  # ALACSpecificConfig: frame length, bit depth, channels, rate
                c = a + 8
                fields += [(c, 4, ">"), (c + 5, 1, ">"), (c + 9, 1, ">"), (c + 20, 4, ">")]
            esds = d.find(b"esds", e + 8, box_end)
            if esds >= 0:  # the AudioSpecificConfig sits at its end: flip near there
                fields += [(esds + 4 + k, 1, ">") for k in range(20, 34, 3)]
        elif kind in (b"stts", b"stsc", b"stco", b"co64", b"elst"):
            fields += [(body + 4, 4, ">"), (body + 8, 4, ">"), (body + 12, 4, ">")]
        elif kind == b"stsz":
            fields += [(body + 4, 4, ">"), (body + 8, 4, ">"), (body + 12, 4, ">")]
        if size < 8:
            break
        pos += size
    return fields


def adts_fields(d):
    """The header bytes of the first frames: profile, rate index, channels, frame length."""
    fields, pos = [], 0
    while len(fields) < 24:
        pos = d.find(b"\xff", pos)
        if pos < 0 or pos + 7 > len(d):
            break
        if d[pos + 1] & 0xF6 == 0xF0:
            fields += [(pos + 2, 1, ">"), (pos + 3, 1, ">"), (pos + 4, 1, ">"), (pos + 5, 1, ">")]
        pos += 1
    return fields


def au_fields(_d):
    return [(4, 4, ">"), (8, 4, ">"), (12, 4, ">"), (16, 4, ">"), (20, 4, ">")]


FIELDS = {
    "wav": riff_fields, "rf64": riff_fields, "w64": w64_fields, "aiff": aiff_fields,
    "au": au_fields, "caf": caf_fields, "flac": flac_fields, "ogg": ogg_fields,
    "opus": ogg_fields, "mp3": mp3_fields, "m4a": mp4_fields, "alac": mp4_fields,
    "aac": adts_fields,
}


def audio_start(d, ext):
    """Where the audio data begins (roughly): truncating after it cuts audio off."""
    if ext in ("wav", "rf64"):
        i = d.find(b"data")
        return i + 8 if i >= 0 else 44
    if ext == "w64":
        i = d.find(b"data")
        return i + 24 if i >= 0 else 64
    if ext == "aiff":
        i = d.find(b"SSND")
        return i + 16 if i >= 0 else 54
    if ext == "au":
        return struct.unpack_from(">I", d, 4)[0]
    if ext == "caf":
        i = d.find(b"data")
        return i + 16 if i >= 0 else 64
    if ext == "flac":
        return flac_audio_start(d)
    if ext in ("ogg", "opus"):
        pages = ogg_pages(d)
        return pages[2][0] if len(pages) > 2 else len(d) // 2
    if ext in ("m4a", "alac"):
        i = d.find(b"mdat")
        return i + 4 if i >= 0 else len(d) // 2
    return len(d) // 8  # mp3, aac: a few frames in


W64_DATA = b"data\xf3\xac\xd3\x11\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a"


def declared_end(d, ext):
    """Where the header says the audio ends, or None when it says nothing usable (a streaming
    placeholder: 0 or all ones) so a cut cannot be told from a shorter file. Containers that
    declare no byte length (FLAC, Ogg, MP3) end at the end of the file."""
    try:
        if ext in ("wav", "rf64"):
            i = d.find(b"data")
            size = struct.unpack_from("<I", d, i + 4)[0]
            if size == 0xFFFFFFFF and ext == "rf64":
                size = struct.unpack_from("<Q", d, d.find(b"ds64") + 16)[0]
            return None if i < 0 or size in (0, 0xFFFFFFFF) else i + 8 + size
        if ext == "w64":
            i = d.find(W64_DATA)
            size = struct.unpack_from("<Q", d, i + 16)[0]
            return None if i < 0 or size <= 24 else i + size
        if ext == "aiff":
            i = d.find(b"SSND")
            size = struct.unpack_from(">I", d, i + 4)[0]
            return None if i < 0 or size in (0, 0xFFFFFFFF) else i + 8 + size
        if ext == "au":
            offset, size = struct.unpack_from(">II", d, 4)
            return None if size in (0, 0xFFFFFFFF) else offset + size
        if ext == "caf":
            i = d.find(b"data")
            size = struct.unpack_from(">q", d, i + 4)[0]
            return None if i < 0 or size <= 0 else i + 12 + size
        if ext in ("m4a", "alac"):
            # The audio (mdat) ends where its box says; its index (moov) may come after it.
            i = d.find(b"mdat") - 4
            size = struct.unpack_from(">I", d, i)[0] if i >= 0 else 0
            return None if size < 8 else i + size
    except struct.error:
        return None
    return len(d)


def flac_audio_start(d):
    pos = 4
    while pos + 4 <= len(d):
        last = d[pos] & 0x80
        pos += 4 + int.from_bytes(d[pos + 1:pos + 4], "big")
        if last:
            return pos
    return len(d) // 2


# ---------------------------------------------------------------------------------------------
# Ogg CRC (the page checksum: CRC-32, polynomial 0x04C11DB7, no reflection, zero init)

_OGG_CRC = []
for _i in range(256):
    _r = _i << 24
    for _ in range(8):
        _r = ((_r << 1) ^ 0x04C11DB7) if _r & 0x80000000 else (_r << 1)
    _OGG_CRC.append(_r & 0xFFFFFFFF)


def ogg_recrc(d):
    for start, body, size in ogg_pages(d):
        end = min(body + size, len(d))
        d[start + 22:start + 26] = b"\0\0\0\0"
        crc = 0
        for b in d[start:end]:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[((crc >> 24) & 0xFF) ^ b]
        struct.pack_into("<I", d, start + 22, crc)


# ---------------------------------------------------------------------------------------------
# Mutations: each returns (damaged bytes, description, whether audio was cut off)


def m_bitflip(rng, d, ext):
    d = bytearray(d)
    n = rng.choice([1, 1, 2, 4, 8, 32])
    head = rng.random() < 0.6  # most flips where the parser reads: the first 512 bytes
    for _ in range(n):
        i = rng.randrange(min(len(d), 512) if head else len(d))
        d[i] ^= 1 << rng.randrange(8)
    if ext in ("ogg", "opus") and rng.random() < 0.5:
        ogg_recrc(d)
    return bytes(d), "bitflip x%d%s" % (n, " head" if head else ""), False


def m_truncate(rng, d, ext):
    start = audio_start(d, ext)
    where = rng.choice(["header", "audio", "audio", "end"])
    if where == "header" or start >= len(d) - 2:
        cut = rng.randrange(1, max(2, min(start, len(d) - 1)))
    elif where == "audio":
        cut = rng.randrange(start + 1, len(d) - 1)
    else:
        cut = len(d) - rng.randrange(1, 64)
    cut = max(1, min(cut, len(d) - 1))
    # Audio is cut off when the cut falls inside what the header announces; bytes past it
    # (trailing chunks, or audio the header does not count) are not audio the reader owes.
    end = declared_end(d, ext)
    cuts_audio = (end is not None and start < cut < end and
                  ext not in ("mp3", "aac"))  # MP3 and ADTS have no length to miss reliably
    return d[:cut], "truncate %s at %d of %d" % (where, cut, len(d)), cuts_audio


def m_field(rng, d, ext):
    fields = FIELDS[ext](d)
    if not fields:
        return m_bitflip(rng, d, ext)
    d = bytearray(d)
    edits = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        off, width, order = rng.choice(fields)
        if off + width > len(d):
            continue
        old = int.from_bytes(d[off:off + width], "big" if order == ">" else "little")
        pool = INTERESTING16 if width <= 2 else INTERESTING32
        choice = rng.random()
        if choice < 0.5:
            new = rng.choice(pool)
        elif choice < 0.8:
            new = old + rng.choice([-1, 1, -2, 2, 16, -16]) * rng.choice([1, 1, 256])
        else:
            new = rng.getrandbits(8 * width)
        if width == 8 and rng.random() < 0.3:
            new = rng.choice([0xFFFFFFFFFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 1 << 40])
        new &= (1 << (8 * width)) - 1
        d[off:off + width] = new.to_bytes(width, "big" if order == ">" else "little")
        edits.append("%d/%d=%d" % (off, width, new))
    if ext in ("ogg", "opus") and rng.random() < 0.8:
        ogg_recrc(d)
    return bytes(d), "field " + ",".join(edits), False


def m_combo(rng, d, ext):
    d1, a, _ = m_field(rng, d, ext)
    d2, b, cut = m_truncate(rng, d1, ext)
    return d2, a + " + " + b, cut


MUTATIONS = [(m_bitflip, 3), (m_truncate, 3), (m_field, 4), (m_combo, 1)]


def make_damaged(bases, count, seed, dest):
    rng = random.Random(seed)
    os.makedirs(dest, exist_ok=True)
    names = sorted(bases)
    contents = {p: open(p, "rb").read() for p in names}
    weighted = [m for m, w in MUTATIONS for _ in range(w)]
    files = []
    for i in range(count):
        base = names[i % len(names)]  # every container equally often
        ext = bases[base]
        d, desc, cuts_audio = rng.choice(weighted)(rng, contents[base], ext)
        path = os.path.join(dest, "m%05d-%s.%s" % (i, os.path.basename(base).split(".")[0],
                                                   SUFFIX.get(ext, ext)))
        with open(path, "wb") as f:
            f.write(d)
        files.append({"path": path, "ext": ext, "desc": desc, "cuts_audio": cuts_audio})
    return files


# ---------------------------------------------------------------------------------------------
# Runs


def command_line(tapeop, cmd, path, out_dir):
    stem = os.path.basename(path).replace(".", "_")
    if cmd == "analyze":
        return [tapeop, "analyze", path]
    if cmd == "check":
        return [tapeop, "check", path, "--spec", "ebu-r128"]
    if cmd == "convert":
        return [tapeop, "convert", path, "-o", os.path.join(out_dir, stem + ".flac"),
                "--rate", "48000"]
    return [tapeop, "master", path, "-o", os.path.join(out_dir, stem + ".wav")]


def one_run(tapeop, work, f, cmd, timeout_s):
    """Runs one command on one damaged file; returns (result dict)."""
    out_dir = tempfile.mkdtemp(prefix="out-", dir=work)
    argv = command_line(tapeop, cmd, f["path"], out_dir)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout_s)
        code, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        code, err = "timeout", (e.stderr or b"").decode("utf-8", "replace")
    seconds = time.monotonic() - t0
    problems = []
    if code == "timeout":
        problems.append("hang: no exit within %g s" % timeout_s)
    elif code < 0:
        problems.append("killed by signal %d" % -code)
    elif code not in (0, 1, 2):
        problems.append("exit code %d" % code)
    elif code == 0 and f["cuts_audio"]:
        problems.append("damaged accepted: exit 0 although audio the header announces is cut off")
    lines = [l for l in err.split("\n") if l.strip()]
    if code == 2:
        if len(lines) != 1:
            problems.append("%d stderr lines instead of one" % len(lines))
        elif f["path"] not in lines[0]:
            problems.append("the error line does not name the file")
    left = sorted(os.listdir(out_dir))
    temps = [n for n in left if "tapeop-tmp" in n or "tapeop-work" in n]
    if temps:
        problems.append("temporaries left: " + " ".join(temps))
    elif code == 2 and left:
        problems.append("a failed run left output: " + " ".join(left))
    shutil.rmtree(out_dir, ignore_errors=True)
    return {"file": f["path"], "cmd": cmd, "code": code, "seconds": seconds,
            "stderr": lines, "problems": problems, "desc": f["desc"], "ext": f["ext"],
            "cuts_audio": f["cuts_audio"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tapeop", required=True)
    ap.add_argument("--count", type=int, default=2000, help="damaged files (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per run (default 20)")
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--containers", default=",".join(CONTAINERS),
                    help="run only the damaged files of these containers (the files made, and "
                         "so the seed's sequence, stay the same)")
    ap.add_argument("--work", help="folder to work in (default: a new temporary, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    tapeop = os.path.abspath(args.tapeop)
    commands = args.commands.split(",")
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="tapeop-mutate-")
    os.makedirs(work, exist_ok=True)
    t0 = time.monotonic()
    try:
        bases = make_bases(tapeop, os.path.join(work, "base"))
        files = make_damaged(bases, args.count, args.seed, os.path.join(work, "files"))
        containers = args.containers.split(",")
        files = [f for f in files if f["ext"] in containers]
        # Relative paths: the error line must name the file as the user typed it.
        for f in files:
            f["path"] = os.path.relpath(f["path"], work)
        jobs = [(f, c) for f in files for c in commands]
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda fc: one_run(tapeop, work, fc[0], fc[1], args.timeout),
                                    jobs))
        stray = [n for n in os.listdir(os.path.join(work, "files"))
                 if "tapeop-tmp" in n or "tapeop-work" in n]
        return report(results, files, stray, time.monotonic() - t0)
    finally:
        if args.keep:
            print("work folder kept:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(results, files, stray, seconds):
    codes = collections.Counter(str(r["code"]) for r in results)
    per_cmd = collections.defaultdict(collections.Counter)
    for r in results:
        per_cmd[r["cmd"]][str(r["code"])] += 1
    print("mutation run: %d damaged files (%s), %d runs in %.0f s (slowest run %.1f s)" % (
        len(files), ", ".join("%s %d" % kv for kv in
                              sorted(collections.Counter(f["ext"] for f in files).items())),
        len(results), seconds, max(r["seconds"] for r in results)))
    print("exit codes: " + ", ".join("%s: %d" % kv for kv in sorted(codes.items())))
    for cmd, c in per_cmd.items():
        print("  %-8s %s" % (cmd, ", ".join("%s: %d" % kv for kv in sorted(c.items()))))
    bad = [r for r in results if r["problems"]]
    kinds = collections.Counter(p.split(":")[0] for r in bad for p in r["problems"])
    for kind, n in sorted(kinds.items()):
        print("problem: %s: %d runs" % (kind, n))
    for r in bad[:50]:
        print("VIOLATION %s %s [%s] exit %s: %s -- %s" % (
            r["cmd"], r["file"], r["desc"], r["code"], "; ".join(r["problems"]),
            " | ".join(r["stderr"][:3])))
    if stray:
        print("VIOLATION temporaries left next to the inputs: " + " ".join(stray))
    print("%d violations" % (len(bad) + (1 if stray else 0)))
    return 1 if bad or stray else 0


if __name__ == "__main__":
    sys.exit(main())
