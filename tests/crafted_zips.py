"""Zip archives written byte by byte, as an attacker would: a part that expands to gigabytes from a
couple of megabytes, and headers that declare sizes other than the truth. zipfile cannot write
either (it compresses what it is given and records the real sizes), so the test suite does.
"""
from __future__ import annotations

import struct
import zlib

MIB = 1024 * 1024


def deflated_zeros(mib: int) -> tuple[bytes, int]:
    """Raw deflate data expanding to `mib` MiB of zero bytes, and its CRC-32."""
    data, crc, _ = deflated_repeats(b"", bytes(MIB), mib, b"")
    return data, crc


def deflated_repeats(head: bytes, chunk: bytes, copies: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate data expanding to head + chunk * copies + tail, its CRC-32 and expanded size,
    without ever holding the expanded bytes: the chunk is compressed once (byte-aligned by a full
    flush, which also resets the compressor, so every copy is the same bytes) and repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    return start + block * copies + end, zlib.crc32(tail, crc), len(head) + len(chunk) * copies + len(tail)


def zip_archive(parts: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of already-deflated parts: (name, deflated data, CRC-32, declared expanded size,
    declared compressed size). Local headers and the central directory carry the same declarations."""
    local, central = b"", b""
    for name, data, crc, expanded, compressed in parts:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, compressed, expanded,
                             len(encoded), 0) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, compressed, expanded,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(central), len(local), 0)
    return local + central + end


def zip_bomb(expanded_mib: int, *, declared_mib: int | None = None) -> bytes:
    """An "XLSX" whose worksheet expands to `expanded_mib` MiB of zeros; its headers declare
    `declared_mib` (the truth unless given)."""
    data, crc = deflated_zeros(expanded_mib)
    declared = (expanded_mib if declared_mib is None else declared_mib) * MIB
    return zip_archive([("[Content_Types].xml", *_stored_deflate(b"<Types/>")),
                        ("xl/worksheets/sheet1.xml", data, crc, declared, len(data))])


def _stored_deflate(content: bytes) -> tuple[bytes, int, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return data, zlib.crc32(content), len(content), len(data)


def xlsx_bomb(expanded_mib: int, header: list[str]) -> bytes:
    """A real workbook (made by openpyxl) with `header` as row 1, whose worksheet then holds empty
    rows, `<row/>`, for `expanded_mib` MiB: valid XML that a reader would walk row by row."""
    import io
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(header)
    out = io.BytesIO()
    workbook.save(out)
    parts = []
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, tail = content.partition(b"</sheetData>")
                data, crc, size = deflated_repeats(head, b"<row/>" * (MIB // 6), expanded_mib, b"</sheetData>" + tail)
                parts.append((info.filename, data, crc, size, len(data)))
            else:
                parts.append((info.filename, *_stored_deflate(content)))
    return zip_archive(parts)
