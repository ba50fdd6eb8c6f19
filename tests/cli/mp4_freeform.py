#!/usr/bin/env python3
"""Adds an iTunes freeform atom ("----", mean "com.apple.iTunes", name NAME, data VALUE) to an
MP4 file's moov/udta/meta/ilst, for tests: an independent writer of the atoms tapeop reads.
Only for files whose moov comes after the media data (ffmpeg's default without +faststart),
so no chunk offset moves; the sizes of the enclosing boxes grow by the new atom.
usage: mp4_freeform.py FILE NAME VALUE"""
import struct
import sys


def box(kind, payload):
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def children(data, start, end):
    """(offset, size, kind) of the boxes in data[start:end]."""
    out, pos = [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size < 8:
            raise SystemExit("unsupported box size")
        out.append((pos, size, kind))
        pos += size
    return out


def find(data, start, end, kind):
    for off, size, k in children(data, start, end):
        if k == kind:
            return off, size
    raise SystemExit("no %s box" % kind.decode())


path, name, value = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
data = bytearray(open(path, "rb").read())
moov = find(data, 0, len(data), b"moov")
mdat = find(data, 0, len(data), b"mdat")
if mdat[0] > moov[0]:
    raise SystemExit("moov before mdat: offsets would move")
udta = find(data, moov[0] + 8, moov[0] + moov[1], b"udta")
meta = find(data, udta[0] + 8, udta[0] + udta[1], b"meta")  # a full box: 4 bytes of version/flags
ilst = find(data, meta[0] + 12, meta[0] + meta[1], b"ilst")
atom = box(b"----", box(b"mean", b"\0\0\0\0com.apple.iTunes") + box(b"name", b"\0\0\0\0" + name) +
           box(b"data", struct.pack(">II", 1, 0) + value))
insert = ilst[0] + ilst[1]
data[insert:insert] = atom
for off, _ in (moov, udta, meta, ilst):
    size = struct.unpack(">I", data[off:off + 4])[0]
    data[off:off + 4] = struct.pack(">I", size + len(atom))
open(path, "wb").write(data)
