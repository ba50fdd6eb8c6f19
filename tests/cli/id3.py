#!/usr/bin/env python3
"""ID3v2 fixtures for the metadata tests, independent of TagLib and tapeop.

  id3.py put SRC OUT PICTURE.png
      OUT = SRC with an ID3v2.3 tag written byte by byte as a tagger writes it: text frames
      (TIT2, TPE1, TCOM, TSRC), TXXX "mycustom" and TXXX "ISRC" (a second ISRC beside TSRC),
      frames TagLib's property map leaves out (PRIV, POPM, GEOB, UFID, USLT in German, COMM
      with a description), the picture (APIC), and what describes the old encoding or loudness
      (TSSE, TLEN, RVA2, TXXX REPLAYGAIN_TRACK_GAIN). SRC .mp3: the tag is put in front;
      .wav/.rf64: an "id3 " chunk before the data; .aif/.aiff: an "ID3 " chunk.
  id3.py dump FILE
      The frames of FILE's ID3v2 tag (v2.3 or v2.4, found as above) as JSON: a list of
      [frame id, body as hex], in tag order, and the tag's major version.
"""
import json
import struct
import sys

MAGIC = {b"RIFF": ("<", b"WAVE"), b"RF64": ("<", b"WAVE"), b"FORM": (">", b"AIFF")}


def frame23(fid, body):
    return fid + struct.pack(">I", len(body)) + b"\0\0" + body


def text(s):
    return b"\0" + s.encode("latin-1")


def tag23(picture):
    frames = [
        frame23(b"TIT2", text("Song")),
        frame23(b"TPE1", text("Singer")),
        frame23(b"TCOM", text("Composer")),
        frame23(b"TSRC", text("USABC2600001")),
        frame23(b"TXXX", b"\0mycustom\0value"),
        frame23(b"TXXX", b"\0ISRC\0USXYZ2600009"),
        frame23(b"PRIV", b"com.example.daw\0\x01\x02\x03\x00\xff"),
        frame23(b"POPM", b"rater@example.com\0" + bytes([196]) + struct.pack(">I", 7)),
        frame23(b"GEOB", b"\0application/octet-stream\0notes.bin\0Session notes\0\x00\x10\x20"),
        frame23(b"UFID", b"http://example.com/ids\0take-0042"),
        frame23(b"USLT", b"\0deu\0Ein Lied, ein Text"),
        frame23(b"COMM", b"\0engMixnotes\0Bus A hot"),
        frame23(b"TSSE", text("LAME 3.100")),
        frame23(b"TLEN", text("987654")),
        # RVA2: identification "track", master volume (1) +2.0 dB (1024/512), no peak.
        frame23(b"RVA2", b"track\0\x01" + struct.pack(">h", 1024) + b"\0"),
        frame23(b"TXXX", b"\0REPLAYGAIN_TRACK_GAIN\0-3.21 dB"),
        frame23(b"APIC", b"\0image/png\0\x03Cover\0" + open(picture, "rb").read()),
    ]
    body = b"".join(frames) + b"\0" * 64  # padding
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + body


def chunks(data):
    order, form = MAGIC[data[:4]]
    p, out = 12, []
    while p + 8 <= len(data):
        n = struct.unpack(order + "I", data[p + 4:p + 8])[0]
        if data[:4] == b"RF64" and n == 0xFFFFFFFF and data[p:p + 4] == b"data":
            n = struct.unpack("<Q", data[28:36])[0] if data[12:16] == b"ds64" else len(data)
        out.append((data[p:p + 4], data[p + 8:p + 8 + n]))
        p += 8 + n + (n % 2)
    return order, form, out


def put(src, dst, picture):
    data = open(src, "rb").read()
    tag = tag23(picture)
    if data[:4] not in MAGIC:  # MP3: the tag in front of the first frame
        open(dst, "wb").write(tag + data)
        return
    order, form, cs = chunks(data)
    cid = b"ID3 " if form == b"AIFF" else b"id3 "
    body = b""
    for i, d in cs:
        if i == b"data" or i == b"SSND":
            body += cid + struct.pack(order + "I", len(tag)) + tag + (b"\0" if len(tag) % 2 else b"")
        body += i + struct.pack(order + "I", len(d)) + d + (b"\0" if len(d) % 2 else b"")
    assert data[:4] != b"RF64", "put: RF64 sources are not supported"
    open(dst, "wb").write(data[:4] + struct.pack(order + "I", 4 + len(body)) + form + body)


def find_tag(data):
    if data[:3] == b"ID3":
        return data
    if data[:4] in MAGIC:
        for i, d in chunks(data)[2]:
            if i in (b"id3 ", b"ID3 ") and d[:3] == b"ID3":
                return d
    return None


def dump(path):
    tag = find_tag(open(path, "rb").read())
    out = {"version": None, "frames": []}
    if tag:
        major = tag[3]
        size = (tag[6] << 21) | (tag[7] << 14) | (tag[8] << 7) | tag[9]
        assert tag[5] & 0x80 == 0, "unsynchronised tags are not read here"
        p, end = 10, 10 + size
        if tag[5] & 0x40:  # extended header
            ext = struct.unpack(">I", tag[10:14])[0]
            if major == 4:
                ext = (tag[10] << 21) | (tag[11] << 14) | (tag[12] << 7) | tag[13]
                p += ext
            else:
                p += 4 + ext
        out["version"] = major
        while p + 10 <= end and tag[p] != 0:
            fid = tag[p:p + 4].decode("latin-1")
            b = tag[p + 4:p + 8]
            n = ((b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]) if major == 4 else \
                struct.unpack(">I", b)[0]
            flags = struct.unpack(">H", tag[p + 8:p + 10])[0]
            body = tag[p + 10:p + 10 + n]
            if major == 4 and flags & 0x0001:  # data length indicator
                body = body[4:]
            out["frames"].append([fid, body.hex()])
            p += 10 + n
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "put":
        put(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        dump(sys.argv[2])
