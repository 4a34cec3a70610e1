"""What the platform may not call itself in front of people.

The statutory "profil zaufany" (and the "podpis zaufany" made with it) is issued only by the
state's system; SEKAP's own identity seal is the "podpis osobisty SEKAP" / "SEKAP personal
signature". Code identifiers may keep the old internal name (``trusted_profile``); nothing a
person reads may use it: translations, gettext strings in code, templates, the API schema, and
the pages as rendered in both languages.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from portal.tests.fixtures import _catalogue_rows, ca, catalogue, pki_dir, verified  # noqa: F401

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "var", ".git", "tests", "migrations", "__pycache__"}
FORBIDDEN = re.compile(
    r"profil\w*\s+zaufan\w*|zaufan\w*\s+profil\w*|podpis\w*\s+zaufan\w*|trusted[\s-]+profile",
    re.IGNORECASE,
)
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "gettext_noop"}


def project_files(*suffixes: str) -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*")
        if path.suffix in suffixes
        and path.is_file()
        and not SKIP_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def visible_text(html: str) -> str:
    """The words of a page or template: text and the attributes people see or hear."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    attributes = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]+>", " ", html), *attributes])


def template_text(source: str) -> str:
    """A template's own words: the strings it translates and its literal text, without
    variables, tag arguments or markup (``s.trusted_profile.pesel`` is code, not text)."""
    translated = re.findall(r'{%\s*(?:translate|trans)\s+"([^"]*)"', source)
    blocks = re.findall(r"(?s){%\s*blocktrans(?:late)?\b.*?%}(.*?){%\s*endblocktrans", source)
    literal = re.sub(r"(?s){%.*?%}|{{.*?}}|{#.*?#}", " ", source)
    return " ".join([visible_text(literal), *translated, *blocks])


def offending(text: str) -> list[str]:
    return sorted({match.group(0) for match in FORBIDDEN.finditer(text)})


def test_translations_do_not_use_the_name():
    found = {
        str(path.relative_to(ROOT)): offending(path.read_text()) for path in project_files(".po")
    }
    assert {path: words for path, words in found.items() if words} == {}


def test_gettext_strings_in_code_do_not_use_the_name():
    found = {}
    for path in project_files(".py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in GETTEXT
            ):
                for arg in node.args:
                    text = arg.value if isinstance(arg, ast.Constant) else None
                    if isinstance(text, str) and offending(text):
                        found.setdefault(str(path.relative_to(ROOT)), []).append(text)
    assert found == {}


def test_templates_do_not_use_the_name():
    found = {
        str(path.relative_to(ROOT)): offending(template_text(path.read_text()))
        for path in project_files(".html", ".txt", ".xsl")
    }
    assert {path: words for path, words in found.items() if words} == {}


def test_the_scanner_finds_the_name_where_people_would_read_it():
    """The checks above would catch the old wording (guards against a scanner that never
    matches)."""
    assert offending("Podpisz profilem zaufanym") == ["profilem zaufanym"]
    assert offending("Sign with the Trusted-profile") == ["Trusted-profile"]
    assert offending("pieczęć podpisu zaufanego") == ["podpisu zaufanego"]
    assert offending(template_text('{% translate "Sign with the trusted profile" %}'))
    assert not offending(template_text("{% if s.trusted_profile %}{{ s.trusted_profile }}"))
    assert not offending("zaufany certyfikat, lista zaufana")


@pytest.mark.django_db
def test_api_schema_does_not_use_the_name():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    text = json.dumps(schema, ensure_ascii=False)
    # field names are code: only descriptions, titles and summaries are text
    words = " ".join(re.findall(r'"(?:description|summary|title)": "((?:[^"\\]|\\.)*)"', text))
    assert offending(words) == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["pl", "en"])
def test_signing_pages_call_the_seal_by_its_name(
    client,
    ca,  # noqa: F811
    catalogue,  # noqa: F811
    verified,  # noqa: F811
    language,
):
    """The profile, sign and send pages of a verified person, as rendered."""
    from portal.services import drafts
    from portal.tests.test_signing import answered

    draft = answered(verified, catalogue.service)
    client.force_login(verified)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    sign, sent = {
        "pl": ("Podpisz podpisem osobistym SEKAP", "podpis osobisty SEKAP"),
        "en": ("Sign with the SEKAP personal signature", "SEKAP personal signature"),
    }[language]
    pages = [
        client.get("/konto/profil/", **headers),
        client.get(f"/wnioski/robocze/{draft.pk}/podpis/", **headers),
    ]
    drafts.draft_sign_trusted_profile(draft=draft, user=verified)
    pages.append(client.get(f"/wnioski/robocze/{draft.pk}/wyslij/", **headers))
    texts = [visible_text(page.content.decode()) for page in pages]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [offending(text) for text in texts] == [[], [], []]
    assert sign in texts[1] and sent in texts[2]
