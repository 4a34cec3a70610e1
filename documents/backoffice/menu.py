"""The staff menu: one list of the clerks' screens, shown by ``documents/staff/base.html``.

Each screen is an ``Entry`` in a section. Apps below ``documents`` (certificate authority, form
designer) are listed here through their public permission checks; apps above it (the portal's
identity and power-of-attorney screens) append their entries with ``register`` from their
``AppConfig.ready``. New documents screens append theirs in this module.

Work-list counts come from one query (``selectors.worklists.worklist_counts``), each capped:
a list with ``COUNT_CAP`` cases or more shows "99+"; they are read on every page (a case
assigned a moment ago is counted at once).

Which entries a person sees depends on other apps' checks (the CA's policy, permissions of
groups and users, guardian's office permissions): reading them was five queries and a tenth
of a list page's CPU. ``_grants`` keeps the answer per person in the cache for
``GRANTS_SECONDS``, keyed by the person's active roles (read fresh on every page, so a role
granted or ended changes the key at once) and stamped with a version that ``grants_changed``
moves on any change of memberships, permissions, groups or office permissions (connected in
``DocumentsConfig.ready``): an answer stamped with another version than the current one is
read again. The menu only shows links: every page checks its own authorization in full on
each request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from certauth.authority import ra_policy
from forms_platform.permissions import can_manage_forms
from offices.models import Office
from offices.selectors import offices_managed_names, roles_read_once

from ..selectors import worklists
from ..selectors.archive import ARCHIVE_ROLES
from ..selectors.visibility import case_scope
from ..selectors.worklists import WORKLISTS, worklist_counts

SECTIONS: tuple[tuple[str, Promise], ...] = (
    ("worklists", _("Work lists")),
    ("register", _("Register and counter")),
    ("letters", _("Letters and dispatch")),
    ("archive", _("Archive")),
    ("reports", _("Reports")),
    ("other", _("Other staff screens")),
)


@dataclass(frozen=True)
class Viewer:
    """The person looking at the menu, with what the checks need (read once per page)."""

    user: object
    roles: frozenset[str]

    @property
    def handles_cases(self) -> bool:
        return case_scope(staff=self.user).handles_cases


@dataclass(frozen=True)
class Entry:
    key: str
    section: str
    title: Promise | str
    url: Callable[[], str]
    allowed: Callable[[Viewer], bool]
    count_key: str = ""


@dataclass
class Item:
    key: str
    title: Promise | str
    url: str
    count: int | None = None
    current: bool = False

    @property
    def count_shown(self) -> str:
        """The badge: the count, or "99+" when the capped count reached its cap."""
        if self.count is None:
            return ""
        cap = worklists.COUNT_CAP
        return f"{cap - 1}+" if self.count >= cap else str(self.count)


@dataclass
class Section:
    key: str
    title: Promise | str
    items: list[Item] = field(default_factory=list)


_ENTRIES: list[Entry] = []


def register(entry: Entry) -> None:
    """Add a screen to the menu (a second entry with the same key replaces the first)."""
    _ENTRIES[:] = [e for e in _ENTRIES if e.key != entry.key]
    _ENTRIES.append(entry)
    _TITLES.clear()


# language -> the sections' and entries' titles (sections under "section:<key>")
_TITLES: dict[str, dict[str, str]] = {}


def _titles() -> dict[str, str]:
    """The titles in the current language, translated once per language and process (and
    set of entries): translating the 25-odd lazy titles on every page was a twentieth of a
    list page's CPU."""
    language = get_language() or ""
    titles = _TITLES.get(language)
    if titles is None:
        titles = {f"section:{key}": str(title) for key, title in SECTIONS}
        titles.update((entry.key, str(entry.title)) for entry in _ENTRIES)
        _TITLES[language] = titles
    return titles


def _url(name: str, **query: str) -> Callable[[], str]:
    def build() -> str:
        url = reverse(name)
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return url

    return build


def _handles_cases(viewer: Viewer) -> bool:
    return viewer.handles_cases


for _worklist in WORKLISTS:
    register(
        Entry(
            key=f"worklist:{_worklist.key}",
            section="worklists",
            title=_worklist.title,
            url=(lambda key=_worklist.key: reverse("documents:worklist", args=[key])),
            allowed=_handles_cases,
            count_key=_worklist.key,
        )
    )

register(
    Entry(
        key="search",
        section="worklists",
        title=_("Search cases"),
        url=_url("documents:search"),
        allowed=_handles_cases,
    )
)
register(
    Entry(
        key="deadlines",
        section="worklists",
        title=_("Deadlines to watch"),
        url=_url("documents:deadlines_worklist"),
        allowed=_handles_cases,
    )
)
register(
    Entry(
        key="reports",
        section="reports",
        title=_("Office reports"),
        url=_url("documents:reports"),
        allowed=_handles_cases,
    )
)
register(
    Entry(
        key="archive",
        section="archive",
        title=_("Office archive"),
        url=_url("documents:archive"),
        allowed=lambda v: bool(v.roles & set(ARCHIVE_ROLES)),
    )
)
register(
    Entry(
        key="dispatch_book",
        section="letters",
        title=_("Outgoing book"),
        url=_url("documents:dispatch_book"),
        allowed=lambda v: bool(v.roles),
    )
)
register(
    Entry(
        key="workflows",
        section="other",
        title=_("Workflows of the services"),
        url=_url("documents:backoffice_workflows"),
        allowed=lambda v: "office_admin" in v.roles or bool(getattr(v.user, "is_superuser", 0)),
    )
)
register(
    Entry(
        key="certauth:ra_queue",
        section="other",
        title=_("Certificate requests"),
        url=_url("certauth:ra_queue"),
        allowed=lambda v: ra_policy().is_operator(v.user),
    )
)
register(
    Entry(
        key="certauth:ca_console",
        section="other",
        title=_("Certificate authority console"),
        url=_url("certauth:ca_console"),
        allowed=lambda v: ra_policy().is_ca_admin(v.user),
    )
)
register(
    Entry(
        key="forms_platform:designer",
        section="other",
        title=_("Form designer"),
        url=_url("forms_platform:designer"),
        allowed=lambda v: can_manage_forms(v.user),
    )
)


_ADDRESSES: dict[tuple[str, str, str], str] = {}


def _address(key: str, build: Callable[[], str]) -> str:
    """A link's address, resolved once per process (and script prefix, and URL
    configuration): ``reverse`` cost a tenth of the menu's CPU for its 20-odd links."""
    memo = (get_script_prefix(), str(settings.ROOT_URLCONF), key)
    address = _ADDRESSES.get(memo)
    if address is None:
        address = _ADDRESSES[memo] = build()
    return address


GRANTS_SECONDS = 300
_GRANTS_VERSION = "documents:menu:grants-version"


def grants_changed(**_kwargs) -> None:
    """A membership, permission, group or office permission changed somewhere: every cached
    menu grant is read again (a signal receiver)."""
    cache.add(_GRANTS_VERSION, 0, timeout=None)
    cache.incr(_GRANTS_VERSION)


def _grants(viewer: Viewer) -> tuple[frozenset[str], list[tuple[str, str]]]:
    """The keys of the entries ``viewer`` may see and the (TERC, name) of the offices whose
    ESP tokens they manage, cached (see the module docstring). The version is kept in the
    cached value and read with it in one round trip (``get_many``: a second read of the cache
    cost ~0.2 ms of CPU on every staff page)."""
    user = viewer.user
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    key = (
        f"documents:menu:grants:{user.pk}:{joined}:{int(user.is_superuser)}:"
        f"{timezone.localdate().isoformat()}:{','.join(sorted(viewer.roles))}"
    )
    found = cache.get_many([_GRANTS_VERSION, key])
    version = found.get(_GRANTS_VERSION, 0)
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    with roles_read_once(user):
        grants = (
            frozenset(e.key for e in _ENTRIES if e.allowed(viewer)),
            offices_managed_names(user=user),  # prepared on the server (sekap.prepared)
        )
    cache.set(key, (version, grants), GRANTS_SECONDS)
    return grants


def menu_for(*, user, path: str = "") -> list[Section]:
    """The sections and screens ``user`` may open, with work-list counts, marking the page at
    ``path`` as current."""
    if not getattr(user, "is_authenticated", False):
        return []
    viewer = Viewer(user=user, roles=case_scope(staff=user).roles)
    allowed, managed = _grants(viewer)
    entries = [e for e in _ENTRIES if e.key in allowed]
    counts = worklist_counts(staff=user) if any(e.count_key for e in entries) else {}
    titles = _titles()
    sections = {key: Section(key=key, title=titles[f"section:{key}"]) for key, _t in SECTIONS}
    for entry in entries:
        url = _address(entry.key, entry.url)
        sections[entry.section].items.append(
            Item(
                key=entry.key,
                title=titles[entry.key],
                url=url,
                count=counts.get(entry.count_key) if entry.count_key else None,
                current=bool(path) and path == url.split("?", 1)[0],
            )
        )
    for terc, name in managed:
        sections["other"].items.append(
            Item(
                key=f"esp:{terc}",
                title=_("ESP machine tokens: %(office)s") % {"office": name},
                url=_address(
                    f"esp:{terc}",
                    lambda terc=terc: reverse("documents:backoffice_esp_tokens", args=[terc]),
                ),
            )
        )
    keeps = sorted(case_scope(staff=user).registers)
    names = (
        dict(Office.objects.filter(terc__in=keeps).values_list("terc", "name"))
        if len(keeps) > 1
        else {}
    )
    for terc in keeps:
        suffix = f" ({names[terc]})" if terc in names else ""
        for key, title, view in (
            ("paper", _("Register a paper letter"), "documents:register_paper"),
            ("scans", _("Scans"), "documents:register_scans"),
            ("list", _("Incoming register (RPW)"), "documents:register_list"),
        ):
            url = _address(
                f"{view}:{terc}", lambda view=view, terc=terc: reverse(view, args=[terc])
            )
            sections["register"].items.append(
                Item(
                    key=f"register:{key}:{terc}",
                    title=f"{title}{suffix}",
                    url=url,
                    current=bool(path) and path == url,
                )
            )
    return [s for s in sections.values() if s.items]


def _administers_staff(viewer: Viewer) -> bool:
    """Office and CPD administrators (from the roles already read; the page checks in full)."""
    return bool(viewer.roles & {"office_admin", "cpd_admin"}) or bool(
        getattr(viewer.user, "is_superuser", False)
    )


register(
    Entry(
        key="offices:staff_import",
        section="other",
        title=_("Import staff (CSV)"),
        url=_url("offices:staff_import"),
        allowed=_administers_staff,
    )
)
register(
    Entry(
        key="offices:staff_deactivate",
        section="other",
        title=_("Deactivate leavers"),
        url=_url("offices:staff_deactivate"),
        allowed=_administers_staff,
    )
)
register(
    Entry(
        key="office_problems",
        section="other",
        title=_("Configuration problems of the offices"),
        url=_url("documents:office_problems_overview"),
        allowed=_administers_staff,
    )
)
