from __future__ import annotations

import base64
from types import SimpleNamespace

from portal.services.drafts import attachments_of

DEFINITION = {"steps": [{"key": "s1", "fields": [{"name": "zalaczniki", "type": "attachment"}]}]}


def _draft(items: list[dict]) -> SimpleNamespace:
    return SimpleNamespace(
        version=SimpleNamespace(definition=DEFINITION), data={"zalaczniki": items}
    )


def test_an_attachment_saved_without_its_size_is_listed_with_the_decoded_size() -> None:
    """Seeds and API clients store attachments without a size; the step page must not fail."""
    for content in (b"", b"a", b"ab", b"abc", b"%PDF-1.7 sample\n" * 7):
        item = {"name": "plan.pdf", "content_base64": base64.b64encode(content).decode()}
        assert attachments_of(_draft([item])) == [
            {"field": "zalaczniki", "name": "plan.pdf", "size": len(content)}
        ]


def test_a_stored_size_is_kept() -> None:
    item = {"name": "a.pdf", "size": 12, "content_base64": base64.b64encode(b"x").decode()}
    assert attachments_of(_draft([item]))[0]["size"] == 12
