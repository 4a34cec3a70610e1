"""Hardened parsing of untrusted XML: the one XML entry point of the whole project.

One parse, one tree: every later step (reference processing, property extraction, the caller's
view of the signed content) works on the tree returned here, never on the raw bytes again.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_ELEMENTS = 200_000


class XmlRejected(Exception):
    """The input is not acceptable XML; ``code`` is a stable machine-readable reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_elements: int = DEFAULT_MAX_ELEMENTS
    # Text nodes over 10 MB (attachments in base64 inside a form's document); the byte limit
    # still bounds the whole input.
    long_text: bool = False


_SPECIAL = {
    "{http://crd.gov.pl/xml/schematy/ppzp/}PodpisZP": "podpis_zp",
    "{http://uri.etsi.org/01903/v1.3.2#}SignedProperties": "signed_properties",
}
_COUNT_XPATH = etree.XPath("count(//*)")


@functools.lru_cache(maxsize=8)
def _depth_xpath(max_depth: int) -> etree.XPath:
    """True when some element is nested deeper than ``max_depth`` (evaluated in C)."""
    return etree.XPath("boolean(/*" + "/*" * max_depth + ")")


_ID_XPATH = etree.XPath(
    "//@Id|//@ID|//@id|//@xml:id", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}
)


def _parser(*, long_text: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=long_text,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=False,
        collect_ids=False,
    )


@dataclass
class ParsedDocument:
    tree: etree._ElementTree
    root: etree._Element
    ids: dict[str, list[etree._Element]]

    _special: dict | None = None

    def special(self) -> dict[str, list]:
        """Comments/PIs, PodpisZP and SignedProperties elements, found in one C-level pass."""
        if self._special is None:
            found: dict[str, list] = {"comments": [], "podpis_zp": [], "signed_properties": []}
            for node in self.root.iter(etree.Comment, etree.ProcessingInstruction, *_SPECIAL):
                tag = node.tag
                if tag is etree.Comment or tag is etree.ProcessingInstruction:
                    found["comments"].append(node)
                else:
                    found[_SPECIAL[tag]].append(node)
            self._special = found
        return self._special

    def duplicate_ids(self) -> list[str]:
        return sorted(value for value, elements in self.ids.items() if len(elements) > 1)

    def element_by_id(self, value: str) -> list[etree._Element]:
        return self.ids.get(value, [])


def _refuse_before_parsing(data: object, limits: ParseLimits) -> None:
    """What is refused before the parser sees a byte: not bytes, too large, empty, and (cheaply,
    for ASCII-compatible encodings; the parsed tree is checked again) a DTD or entity."""
    if not isinstance(data, bytes | bytearray):
        raise XmlRejected("xml.type", "The document must be bytes.")
    if len(data) > limits.max_bytes:
        raise XmlRejected("xml.too_large", f"The document exceeds {limits.max_bytes} bytes.")
    if not data or (data[:1].isspace() and not data.strip()):
        raise XmlRejected("xml.empty", "The document is empty.")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlRejected("xml.dtd", "Document type declarations are not allowed.")


def parse_untrusted(
    data: bytes, *, limits: ParseLimits | None = None, collect_ids: bool = True
) -> ParsedDocument:
    """Parse ``data`` with DTDs, entities, network access and huge trees disabled.

    ``collect_ids=False`` skips indexing the ``Id`` attributes (signature references need
    them; a bank statement of a hundred thousand entries does not, and the search of every
    attribute costs seconds there).

    Raises :class:`XmlRejected` for anything we refuse; never resolves anything external.
    """
    limits = limits or ParseLimits()
    _refuse_before_parsing(data, limits)
    try:
        root = etree.fromstring(bytes(data), parser=_parser(long_text=limits.long_text))
    except etree.XMLSyntaxError as exc:
        raise XmlRejected("xml.syntax", f"Not well-formed XML: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise XmlRejected("xml.syntax", f"Not parseable XML: {exc}") from None
    if root is None:
        raise XmlRejected("xml.syntax", "No root element.")
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected("xml.dtd", "Document type declarations are not allowed.")
    # Depth and size limits, evaluated in C: is there any element deeper than the limit?
    if _depth_xpath(limits.max_depth)(root):
        raise XmlRejected("xml.too_deep", f"Nesting deeper than {limits.max_depth}.")
    if _COUNT_XPATH(root) > limits.max_elements:
        raise XmlRejected("xml.too_many", f"More than {limits.max_elements} elements.")
    # Entity references can only exist with a DTD (rejected above); check anyway, cheaply.
    if any(True for _ in root.iter(etree.Entity)):
        raise XmlRejected("xml.entity", "Entity references are not allowed.")
    ids: dict[str, list[etree._Element]] = {}
    for attr in _ID_XPATH(root) if collect_ids else ():
        ids.setdefault(str(attr), []).append(attr.getparent())
    return ParsedDocument(tree=tree, root=root, ids=ids)


@functools.lru_cache(maxsize=64)
def _deeper_xpath(levels: int) -> etree.XPath:
    """True when the context element has descendants more than ``levels`` below it."""
    return etree.XPath("boolean(" + "/".join(["*"] * (levels + 1)) + ")")


_COUNT_BELOW = etree.XPath("count(.//*)")


class StreamedDocument:
    """Untrusted XML read as a stream of events (``iterparse_untrusted``); see there."""

    def __init__(
        self, data: bytes, *, limits: ParseLimits, tags: Sequence[str], events: Sequence[str]
    ) -> None:
        self._limits = limits
        self._parser = etree.iterparse(
            io.BytesIO(bytes(data)),
            events=tuple(events),
            tag=list(tags),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=limits.long_text,
            remove_blank_text=False,
            remove_comments=False,
            remove_pis=False,
            strip_cdata=False,
            collect_ids=False,
        )
        self._elements = 0

    @property
    def root(self) -> etree._Element | None:
        return self._parser.root

    @property
    def encoding(self) -> str:
        root = self._parser.root
        return (root.getroottree().docinfo.encoding if root is not None else "") or "UTF-8"

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        limits = self._limits
        try:
            for event, element in self._parser:
                if event == "end":
                    self._check(element)
                yield event, element
        except etree.XMLSyntaxError as exc:
            raise XmlRejected("xml.syntax", f"Not well-formed XML: {exc}") from None
        except (ValueError, TypeError) as exc:
            raise XmlRejected("xml.syntax", f"Not parseable XML: {exc}") from None
        root = self._parser.root
        if root is None:
            raise XmlRejected("xml.syntax", "No root element.")
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise XmlRejected("xml.dtd", "Document type declarations are not allowed.")
        if _depth_xpath(limits.max_depth)(root):
            raise XmlRejected("xml.too_deep", f"Nesting deeper than {limits.max_depth}.")
        self._count(root)

    def _check(self, element: etree._Element) -> None:
        """Depth and element limits of a subtree as it completes (in C, two XPath calls)."""
        depth = 1
        parent = element.getparent()
        while parent is not None:
            depth += 1
            parent = parent.getparent()
        if depth > self._limits.max_depth or _deeper_xpath(self._limits.max_depth - depth)(element):
            raise XmlRejected("xml.too_deep", f"Nesting deeper than {self._limits.max_depth}.")
        self._count(element)

    def _count(self, element: etree._Element) -> None:
        self._elements += int(_COUNT_BELOW(element)) + 1
        if self._elements > self._limits.max_elements:
            raise XmlRejected("xml.too_many", f"More than {self._limits.max_elements} elements.")


def iterparse_untrusted(
    data: bytes,
    *,
    tags: Sequence[str],
    events: Sequence[str] = ("end",),
    limits: ParseLimits | None = None,
) -> StreamedDocument:
    """Untrusted XML as a stream of ``(event, element)`` for the elements named by ``tags``
    (lxml's ``{*}Name`` wildcards allowed): the same refusals as :func:`parse_untrusted` (no
    DTDs, entities or network; size, depth and element limits), for documents too large to
    hold as one tree.

    Each ``end`` element's subtree is checked against the depth and element limits as it
    completes (the elements counted add up over the document); the caller reads it and then
    hands it to :func:`release`, which frees it and what came before it, so memory stays that
    of one subtree. The whole document's depth is checked again at the end. Iterating raises
    :class:`XmlRejected` (the syntax error's message names its line)."""
    limits = limits or ParseLimits()
    _refuse_before_parsing(data, limits)
    return StreamedDocument(data, limits=limits, tags=tags, events=events)


def release(element: etree._Element) -> None:
    """Free a streamed element's subtree and the siblings before it (see
    :func:`iterparse_untrusted`); the element itself stays as an empty placeholder."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def parse_own(text: str | bytes, *, resolver: etree.Resolver | None = None) -> etree._Element:
    """Parse XML the platform itself produced (a form's generated XSD or XSL, a stored
    receipt): the same hardened parser, plus an optional resolver for a schema's imports.

    Raises :class:`XmlRejected` like :func:`parse_untrusted`."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    if resolver is None:
        return parse_untrusted(data, limits=ParseLimits(long_text=True)).root
    parser = _parser(long_text=True)
    parser.resolvers.add(resolver)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRejected("xml.syntax", f"Not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise XmlRejected("xml.dtd", "Document type declarations are not allowed.")
    return root
