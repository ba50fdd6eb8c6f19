#!/usr/bin/env python3
"""Broadcast WAVE fixtures for the metadata tests, independent of libsndfile and tapeop.

  bwf.py make SRC.wav OUT.wav TIME_REFERENCE CUE1 CUE2 [LOUDNESS]
      OUT = SRC's fmt + data with a bext (every field), iXML, axml, LIST/INFO (title, artist,
      comment and fields libsndfile does not read: engineer, keywords, subject, technician,
      and the software that wrote the file), a cue chunk with two points (frames CUE1, CUE2)
      and their LIST/adtl labels "Verse" and "Chorus 1", and a chunk no standard knows
      ("abcd", odd-sized), written byte by byte as a DAW would. LOUDNESS: five comma-separated
      bext v2 loudness fields as stored (value x 100: LoudnessValue, LoudnessRange,
      MaxTruePeakLevel, MaxMomentaryLoudness, MaxShortTermLoudness); the bext is version 2 then.
  bwf.py dump FILE.wav
      The chunks, bext, cue points and labels of FILE as JSON (read straight from the RIFF).
"""
import json
import struct
import sys

IXML = b"<?xml version=\"1.0\"?><BWFXML><PROJECT>Film</PROJECT><SCENE>12A</SCENE><TAKE>3</TAKE></BWFXML>"
AXML = b"<?xml version=\"1.0\"?><ebuCoreMain><coreMetadata><title>Take three</title></coreMetadata></ebuCoreMain>"
ABCD = b"\x00\x01tapeop?"  # 9 bytes: an odd size, padded in the file


def chunk(cid, data):
    return cid + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def chunks(path):
    d = open(path, "rb").read()
    assert d[:4] in (b"RIFF", b"RF64") and d[8:12] == b"WAVE", path
    p, out = 12, []
    while p + 8 <= len(d):
        cid = d[p:p + 4]
        n = struct.unpack("<I", d[p + 4:p + 8])[0]
        out.append((cid.decode("latin-1"), d[p + 8:p + 8 + n]))
        p += 8 + n + (n % 2)
    return out


def make(src, dst, time_reference, cue1, cue2, loudness=None):
    have = dict(chunks(src))
    version, levels = (2, [int(x) for x in loudness.split(",")]) if loudness else (1, [0] * 5)
    bext = struct.pack(
        "<256s32s32s10s8sIIH64s5h180x",
        b"Scene 12A take 3, boom", b"FieldRec 8", b"USFRC0123456789012345",
        b"2026-12-01", b"10:20:30", time_reference & 0xFFFFFFFF, time_reference >> 32, version,
        bytes(range(1, 65)), *levels) + b"A=PCM,F=48000,W=24,M=stereo,T=FieldRec\r\n"
    info = b"INFO" + chunk(b"INAM", b"Take three\0") + chunk(b"IART", b"The Band\0") + \
        chunk(b"ICMT", b"boom left\0") + chunk(b"ISFT", b"FieldRec OS 2.1\0") + \
        chunk(b"IENG", b"Mo Mixer\0") + chunk(b"IKEY", b"boom; exterior\0") + \
        chunk(b"ISBJ", b"Scene 12A\0") + chunk(b"ITCH", b"Sam Sound\0")
    cues = struct.pack("<I", 2) + b"".join(
        struct.pack("<II4sIII", i, at, b"data", 0, 0, at) for i, at in ((1, cue1), (2, cue2)))
    def labl(i, text):
        return chunk(b"labl", struct.pack("<I", i) + text + b"\0")
    adtl = b"adtl" + labl(1, b"Verse") + labl(2, b"Chorus 1")
    body = chunk(b"fmt ", have["fmt "]) + chunk(b"bext", bext) + chunk(b"iXML", IXML) + \
        chunk(b"axml", AXML) + chunk(b"LIST", info) + chunk(b"cue ", cues) + \
        chunk(b"LIST", adtl) + chunk(b"abcd", ABCD) + chunk(b"data", have["data"])
    open(dst, "wb").write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


def dump(path):
    out = {"chunks": [], "cues": [], "labels": {}, "bext": None, "ixml": None, "info": {},
           "raw": {}}
    for cid, data in chunks(path):
        out["chunks"].append(cid)
        if cid == "bext":
            f = struct.unpack("<256s32s32s10s8sIIH64s5h", data[:422])
            out["bext"] = {"description": f[0].rstrip(b"\0").decode(),
                           "originator": f[1].rstrip(b"\0").decode(),
                           "originator_reference": f[2].rstrip(b"\0").decode(),
                           "origination_date": f[3].rstrip(b"\0").decode(),
                           "origination_time": f[4].rstrip(b"\0").decode(),
                           "time_reference": f[5] | (f[6] << 32), "version": f[7],
                           "umid": f[8].hex(), "loudness": list(f[9:14]),
                           "coding_history": data[602:].rstrip(b"\0").decode()}
        elif cid == "iXML":
            out["ixml"] = data.decode("latin-1")
        elif cid in ("axml", "abcd"):
            out["raw"][cid] = data.hex()
        elif cid == "cue ":
            n = struct.unpack("<I", data[:4])[0]
            for k in range(n):
                i, _, _, _, _, at = struct.unpack("<II4sIII", data[4 + 24 * k:28 + 24 * k])
                out["cues"].append({"id": i, "frame": at})
        elif cid == "LIST":
            kind, p = data[:4], 4
            while p + 8 <= len(data):
                sid = data[p:p + 4]
                n = struct.unpack("<I", data[p + 4:p + 8])[0]
                sub = data[p + 8:p + 8 + n]
                if kind == b"adtl" and sid == b"labl":
                    out["labels"][str(struct.unpack("<I", sub[:4])[0])] = \
                        sub[4:].split(b"\0")[0].decode()
                elif kind == b"INFO":
                    out["info"][sid.decode()] = sub.split(b"\0")[0].decode()
                p += 8 + n + (n % 2)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]),
             sys.argv[7] if len(sys.argv) > 7 else None)
    else:
        dump(sys.argv[2])
