"""Small PNG images for the sandbox (stdlib only): the TIMBRE barcode and the LOGO.

The timbre is a PDF417-looking pattern derived from the document's data — it looks like
a timbre on the PDF but encodes nothing (the sandbox's CAF is simulated, like the real
development environment's). The logo is a plain two-tone badge.

Usage::

    timbre_png(b"F1000T33")   # bytes of a valid PNG file
"""

from __future__ import annotations

import hashlib
import struct
import zlib

__all__ = ["logo_png", "timbre_png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png(width: int, rows: list[bytes]) -> bytes:
    """An 8-bit grayscale PNG from ``rows`` of ``width`` bytes each."""
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def timbre_png(seed: bytes, *, modules: int = 68, module_rows: int = 18, scale: int = 3) -> bytes:
    """A fake PDF417-style barcode (start/stop patterns, pseudo-random data modules)."""
    start = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0]
    stop = [1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1]
    quiet = [0] * 4
    rows: list[bytes] = []
    for r in range(module_rows):
        digest = b""
        counter = 0
        while len(digest) * 8 < modules:
            digest += hashlib.sha256(seed + bytes([r, counter])).digest()
            counter += 1
        bits = [(digest[i // 8] >> (7 - i % 8)) & 1 for i in range(modules)]
        line = quiet + start + bits + stop + quiet
        row = bytes(0 if bit else 255 for bit in line for _ in range(scale))
        rows.extend([row] * scale)
    blank = bytes([255]) * len(rows[0])
    return _png(len(blank), [blank] * scale * 2 + rows + [blank] * scale * 2)


def logo_png(size: int = 48) -> bytes:
    """A plain square badge standing in for the company logo."""
    rows = []
    border = size // 8
    for y in range(size):
        row = bytearray()
        for x in range(size):
            inside = border <= x < size - border and border <= y < size - border
            row.append(230 if inside else 40)
        rows.append(bytes(row))
    return _png(size, rows)
