"""The hot path's reads by key with SQL compiled once (sekap.prepared): the service a
submission is filed with and the API token with its user. They must give what the ORM's
``get`` gives, read the row as it is now on every call, and compile nothing after the first."""

from __future__ import annotations

import pytest
from django.db.models import Q
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from documents.tests.fixtures import make_service
from offices.models import Office, Service
from sekap.accounts.authentication import TokenAuthentication
from sekap.accounts.tests.factories import UserFactory
from sekap.prepared import PreparedGet, PreparedValues

pytestmark = pytest.mark.django_db

SERVICE = PreparedGet(lambda: Service.objects.select_related("office__identity"), field="pk")


def _fields(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if not k.startswith("_")}


def test_a_prepared_read_gives_what_the_orm_gives(django_assert_num_queries):
    service = make_service().service
    expected = Service.objects.select_related("office__identity").get(pk=service.pk)
    with django_assert_num_queries(1):  # the office and its identity come with it
        found = SERVICE.get(service.pk)
        assert found.office.terc == expected.office.terc
        assert found.office.identity == expected.office.identity
    assert _fields(found) == _fields(expected)
    assert _fields(found.office) == _fields(expected.office)
    assert found._state.adding is False and found._state.db == "default"


def test_a_prepared_read_compiles_once_and_reads_the_row_as_it_is_now(compiled):
    service = make_service().service
    assert SERVICE.get(service.pk).title == "Wniosek testowy"
    compiled.clear()
    Service.objects.filter(pk=service.pk).update(title="Nowy tytuł")
    compiled.clear()
    assert SERVICE.get(service.pk).title == "Nowy tytuł"
    assert SERVICE.get(service.pk + 1000) is None
    assert compiled == []


def test_a_key_no_row_can_have_is_none_without_a_query(django_assert_num_queries):
    make_service()
    with django_assert_num_queries(0):
        assert SERVICE.get(10**30) is None


def test_token_authentication_reads_the_token_every_time_and_compiles_once(compiled):
    user = UserFactory()
    token = Token.objects.create(user=user)
    auth = TokenAuthentication()
    assert auth.authenticate_credentials(token.key) == (user, token)
    compiled.clear()
    assert auth.authenticate_credentials(token.key)[0].email == user.email
    assert compiled == []
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(AuthenticationFailed, match="nieaktywny"):  # DRF's Polish message
        auth.authenticate_credentials(token.key)
    token.delete()
    with pytest.raises(AuthenticationFailed, match="token"):
        auth.authenticate_credentials(token.key)


def test_the_api_refuses_a_deleted_token_at_once():
    user = UserFactory()
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/submissions/").status_code == 200
    token.delete()
    assert api.get("/api/v1/submissions/").status_code == 403  # the session scheme comes first


def test_a_prepared_insert_writes_what_save_writes_and_compiles_once(compiled, monkeypatch):
    from django.db.models.sql.compiler import SQLInsertCompiler

    from documents.models import InboxMessage, MessageKind
    from sekap.prepared import insert

    inserts: list = []
    as_sql = SQLInsertCompiler.as_sql
    monkeypatch.setattr(
        SQLInsertCompiler, "as_sql", lambda self, *a, **kw: inserts.append(1) or as_sql(self)
    )
    from django.utils import timezone

    from offices.tests.factories import OfficeFactory

    user, office, now = UserFactory(), OfficeFactory(), timezone.now()

    def message(title: str) -> InboxMessage:
        return InboxMessage(
            recipient=user,
            office=office,
            kind=MessageKind.RECEIPT,
            title=title,
            body="b",
            params={"a": [1, "ż"]},
            created_at=now,
        )

    saved = message("saved")
    saved.save(force_insert=True)
    first, second = message("first"), message("second")
    insert(first)
    inserts.clear()
    insert(second)
    assert inserts == []  # the statement was compiled for the first row only
    assert second.pk > first.pk > saved.pk and second._state.adding is False
    rows = InboxMessage.objects.filter(pk__in=[saved.pk, second.pk]).order_by("pk")
    as_saved, as_inserted = (_fields(row) for row in rows)
    differ = {k for k in as_saved if as_saved[k] != as_inserted[k]}
    assert differ == {"id", "title"}


def test_a_prepared_insert_refuses_an_unsaved_related_object_as_save_does():
    from django.utils import timezone

    from documents.models import InboxMessage, MessageKind
    from offices.tests.factories import OfficeFactory
    from sekap.prepared import insert

    message = InboxMessage(
        recipient=UserFactory.build(),
        office=OfficeFactory(),
        kind=MessageKind.RECEIPT,
        title="t",
        created_at=timezone.now(),
    )
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(message)
    assert not InboxMessage.objects.exists()


def test_prepared_values_bind_the_key_wherever_it_stands_and_refuse_other_parameters():
    offices = [make_service(symbol=s).service.office for s in ("OR", "GK")]
    offices[0].departments.update(name="Wydział wspólny")

    def shared(pk: int):  # the key twice, and a constant
        return (
            Office.objects.filter(Q(departments__office_id=pk) | Q(pk=pk))
            .filter(departments__name="Wydział wspólny")
            .order_by("pk")
            .values_list("terc")
        )

    rows = PreparedValues(Office, shared)
    for office in offices:
        assert rows.rows(office.pk) == list(shared(office.pk))
    assert rows.rows(offices[0].pk) == [(offices[0].terc,)]
    assert rows.rows(offices[1].pk) == []  # its department has another name
    following = PreparedValues(Office, lambda pk: Office.objects.filter(pk__in=[pk, pk + 1]))
    with pytest.raises(ValueError, match="other than the key"):
        following.rows(offices[0].pk)
