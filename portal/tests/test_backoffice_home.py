"""The back-office start page links only to sections the person may open (issue 9, portal 11)."""

from __future__ import annotations

import re

import pytest

from offices.models import Office, StaffRole
from offices.selectors import cpd_office_terc
from offices.services import membership_grant
from offices.tests.factories import DepartmentFactory, OfficeFactory
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


def section_links(html: str) -> list[str]:
    block = html[html.index('class="section-list"') :]
    block = block[: block.index("</ul>")]
    return re.findall(r'href="([^"]+)"', block)


@pytest.mark.parametrize(
    ("role", "with_department", "expected"),
    [
        (
            StaffRole.CLERK,
            True,
            ["/backoffice/sprawy/", "/backoffice/tozsamosc/", "/backoffice/pelnomocnictwa/"],
        ),
        (
            StaffRole.CA_OPERATOR,
            False,
            ["/backoffice/tozsamosc/", "/backoffice/pelnomocnictwa/", "/backoffice/pki/"],
        ),
        (
            StaffRole.OFFICE_ADMIN,
            False,
            [
                "/backoffice/sprawy/",
                "/backoffice/tozsamosc/",
                "/backoffice/pelnomocnictwa/",
                "/admin/",
                "/backoffice/esp/{terc}/tokeny/",
                "/backoffice/rejestr/{terc}/papier/",
            ],
        ),
        (
            StaffRole.REGISTRY_CLERK,
            False,
            [
                "/backoffice/sprawy/",
                "/backoffice/tozsamosc/",
                "/backoffice/pelnomocnictwa/",
                "/backoffice/rejestr/{terc}/papier/",
            ],
        ),
    ],
)
def test_every_link_on_the_start_page_opens(client, role, with_department, expected):
    office = OfficeFactory()
    department = DepartmentFactory(office=office) if with_department else None
    person = StaffFactory()
    membership_grant(actor=None, user=person, office=office, role=role, department=department)
    login_with_second_factor(client, person)
    links = section_links(client.get("/backoffice/").content.decode())
    assert links == [link.format(terc=office.terc) for link in expected]
    for link in links:
        assert client.get(link).status_code == 200, link


def test_staff_without_a_role_see_no_sections_and_are_told_why(client):
    person = StaffFactory()
    login_with_second_factor(client, person)
    html = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="section-list"' not in html
    assert "You have no role in any office yet" in html
    assert client.get("/backoffice/tozsamosc/").status_code == 403  # and indeed it is refused


def test_esp_tokens_are_linked_for_office_and_cpd_admins_only(client):
    """Office admins see their own office's token page, CPD admins every office's; a clerk none."""
    office, other = OfficeFactory(name="A office"), OfficeFactory(name="B office")
    office_admin, cpd_admin, clerk = StaffFactory(), StaffFactory(), StaffFactory()
    membership_grant(actor=None, user=office_admin, office=office, role=StaffRole.OFFICE_ADMIN)
    cpd = Office.objects.filter(terc=cpd_office_terc()).first() or OfficeFactory(
        terc=cpd_office_terc()
    )
    membership_grant(actor=None, user=cpd_admin, office=cpd, role=StaffRole.CPD_ADMIN)
    membership_grant(
        actor=None,
        user=clerk,
        office=office,
        role=StaffRole.CLERK,
        department=DepartmentFactory(office=office),
    )

    def esp_links(person) -> list[str]:
        client.logout()
        login_with_second_factor(client, person)
        html = client.get("/backoffice/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return [link for link in section_links(html) if link.startswith("/backoffice/esp/")]

    assert esp_links(office_admin) == [f"/backoffice/esp/{office.terc}/tokeny/"]
    cpd_links = esp_links(cpd_admin)
    assert f"/backoffice/esp/{office.terc}/tokeny/" in cpd_links
    assert f"/backoffice/esp/{other.terc}/tokeny/" in cpd_links
    assert len(cpd_links) == Office.objects.count()
    for link in cpd_links[:3]:
        assert client.get(link).status_code == 200, link
    assert esp_links(clerk) == []
    assert client.get(f"/backoffice/esp/{office.terc}/tokeny/").status_code == 403
