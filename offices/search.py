"""Catalogue search that matches Polish word forms, the same on SQLite and PostgreSQL.

Polish inflects: "budowa", "budowę", "budowy" and "budowie" are one word to a citizen. Each
service stores its text as light stems (``search_text``: diacritics folded, one inflectional
ending cut off, each stem preceded by a space), and each query word is cut the same way and
matched as the start of a stored word (``LIKE '% stem%'``). This needs no database extension
and behaves identically on both engines. It is deliberately light (one suffix, stems of at
least three letters): it joins the forms of one word, and the synonym table
(``data/search_synonyms.csv``) joins the words people use with the words the law uses
("meldunek" -> "zameldowanie", "ślub" -> "małżeństwo"), with an optional hint for searches
whose real answer lies elsewhere ("dowód osobisty": apply through gov.pl).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db.models import Q

from sekap.text import search_key

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "search_synonyms.csv"

_STOPWORDS = "a aby albo czy dla do i jak jest lub na nie o od oraz po przez sie u w we z za ze"
STOPWORDS = frozenset(_STOPWORDS.split())
# Inflectional endings after diacritics are folded (ę -> e, ó -> o), longest first.
_ENDING_LIST = "ami ach iem iom ego emu ych ymi imi ich owi "
_ENDING_LIST += "ow om em ie ia iu ii ej a e i o u y"
_ENDINGS = tuple(sorted(_ENDING_LIST.split(), key=len, reverse=True))
_MIN_STEM = 3


def stem(word: str) -> str:
    """One word's stem: ``"budowę"`` -> ``"budow"``, ``"Gliwicach"`` -> ``"gliwic"``."""
    word = search_key(word)
    for ending in _ENDINGS:
        shortest = _MIN_STEM + 1 if ending == "ow" else _MIN_STEM  # budów stays "budow"
        if word.endswith(ending) and len(word) - len(ending) >= shortest:
            return word[: -len(ending)]
    if word.endswith("ek") and len(word) > _MIN_STEM + 1:  # podatek/podatku, wniosek/wniosku
        return word[:-2] + "k"
    return word


def stems(text: str) -> list[str]:
    """The stems of the words of ``text`` that carry meaning (no stopwords, no punctuation)."""
    words = "".join(ch if ch.isalnum() else " " for ch in search_key(text)).split()
    return [stem(word) for word in words if word not in STOPWORDS]


def indexed_text(*parts: str) -> str:
    """What a row stores to be searched: its stems, each preceded by a space."""
    return "".join(f" {s}" for s in stems(" ".join(parts))) + " "


def service_search_text(service) -> str:
    translations = service.translations or {}
    translated = [
        texts.get(field) or ""
        for texts in translations.values()
        for field in ("title", "description")
    ]
    return indexed_text(
        service.title, service.description, service.category, service.life_event, *translated
    )


@dataclass(frozen=True)
class Synonym:
    term: tuple[str, ...]
    alternative: tuple[str, ...]
    hint: str
    hint_en: str


@lru_cache(maxsize=1)
def synonyms() -> tuple[Synonym, ...]:
    with SYNONYMS_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    entries = [
        Synonym(
            term=tuple(stems(row["term"])),
            alternative=tuple(stems(row["alternative"])),
            hint=row["hint"],
            hint_en=row["hint_en"],
        )
        for row in rows
    ]
    return tuple(sorted(entries, key=lambda s: len(s.term), reverse=True))


@dataclass(frozen=True)
class ParsedQuery:
    # Each concept is a list of alternatives; an alternative is a list of stems that must all
    # occur. A service matches when every concept has a matching alternative.
    concepts: tuple[tuple[tuple[str, ...], ...], ...]
    hints: tuple[Synonym, ...]


def parse_query(q: str) -> ParsedQuery:
    words = stems(q)
    concepts: list[tuple[tuple[str, ...], ...]] = []
    hints: list[Synonym] = []
    i = 0
    while i < len(words):
        matched = [s for s in synonyms() if tuple(words[i : i + len(s.term)]) == s.term]
        if matched:
            term = matched[0].term
            alternatives = [term, *(s.alternative for s in matched if s.term == term)]
            hints.extend(s for s in matched if s.term == term and s.hint)
            concepts.append(tuple(dict.fromkeys(alternatives)))
            i += len(term)
        else:
            concepts.append(((words[i],),))
            i += 1
    return ParsedQuery(concepts=tuple(concepts), hints=tuple(dict.fromkeys(hints)))


def _stem_matches(word: str) -> Q:
    """The stem starts a word of the service, or of its office's name or place."""
    return (
        Q(search_text__contains=f" {word}")
        | Q(office__search_text__startswith=word)
        | Q(office__search_text__contains=f" {word}")
        | Q(office__search_text__contains=f"-{word}")  # Bielsko-Biała, Kędzierzyn-Koźle
    )


def query_filter(parsed: ParsedQuery) -> Q:
    condition = Q()
    for alternatives in parsed.concepts:
        any_of = Q()
        for alternative in alternatives:
            all_of = Q()
            for word in alternative:
                all_of &= _stem_matches(word)
            any_of |= all_of
        condition &= any_of
    return condition


__all__ = [
    "ParsedQuery",
    "Synonym",
    "indexed_text",
    "parse_query",
    "query_filter",
    "service_search_text",
    "stem",
    "stems",
    "synonyms",
]
