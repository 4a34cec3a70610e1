"""Minimal DER helpers for the few places where the CA assembles structures itself.

cryptography builds and parses every structure we publish; these helpers only splice
already-encoded parts together (CRL entries, signatures produced outside cryptography).
"""

from __future__ import annotations

import datetime as dt


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Return (tag, content_start, end) of the element starting at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise ValueError("high tag numbers are not supported")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated DER")
    return tag, pos, end


def children(data: bytes) -> list[bytes]:
    """Split the content of one constructed element into its encoded children."""
    _tag, start, end = read_tlv(data)
    parts = []
    pos = start
    while pos < end:
        _t, _s, child_end = read_tlv(data, pos)
        parts.append(data[pos:child_end])
        pos = child_end
    return parts


def integer(value: int) -> bytes:
    length = value.bit_length() // 8 + 1  # always room for a sign bit
    return tlv(0x02, value.to_bytes(length, "big", signed=True))


def time(moment: dt.datetime) -> bytes:
    """RFC 5280 Time: UTCTime through 2049, GeneralizedTime after."""
    moment = moment.astimezone(dt.UTC)
    if moment.year < 2050:
        return tlv(0x17, moment.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode())


def bit_string(value: bytes) -> bytes:
    return tlv(0x03, b"\x00" + value)


def sequence(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def replace_signature(signed_der: bytes, signature: bytes) -> bytes:
    """Replace the signature BIT STRING of a SIGNED{} structure (cert, CRL, BasicOCSPResponse)."""
    parts = children(signed_der)
    return sequence(parts[0], parts[1], bit_string(signature), *parts[3:])
