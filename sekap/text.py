"""Text helpers shared by the apps: search keys that ignore case and Polish diacritics."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "đ": "d"})


def search_key(text: str) -> str:
    """``"Bielsko-Biała, Śląskie"`` -> ``"bielsko-biala, slaskie"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
