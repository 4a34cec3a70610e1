"""Which encoding a Polish bank's text file is in: UTF-8, Windows-1250 or (older exports) CP852.

UTF-8 is tried first and strictly: Polish letters in Windows-1250 or CP852 are never valid
UTF-8 sequences in running text. Otherwise the two single-byte code pages are told apart by
which of them turns the file's high bytes into Polish letters.
"""

from __future__ import annotations

_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def _polish_score(text: str) -> int:
    return sum(1 for char in text if char in _POLISH)


def decode_statement_text(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``; a UTF-8 byte-order mark is dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Score on the distinct high bytes only: cheap for large files and enough to decide.
    high = bytes(sorted(byte for byte in set(data) if byte >= 0x80))
    encoding = max(
        ("cp1250", "cp852"), key=lambda name: _polish_score(high.decode(name, "replace"))
    )
    return data.decode(encoding, errors="replace"), encoding
