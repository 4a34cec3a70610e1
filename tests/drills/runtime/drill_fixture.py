"""Run by the drill in its own environment: the schema, the CA, two offices with a service
each, citizens with certauth-issued signing certificates and API tokens, and the signed
documents the load generator files (written as JSON to the path given)."""

from __future__ import annotations

import base64
import json
import os
import sys

import django


def main(out: str, citizens: int, documents: int) -> None:
    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    import sekap.celery  # noqa: F401 (the tasks the services dispatch, as in manage.py)
    from certauth.models import CertificateAuthority
    from documents.tests.fixtures import document_for, make_citizen, make_service

    call_command("migrate", verbosity=0)
    call_command("ca_init", "--if-missing", stdout=open(os.devnull, "w"))  # noqa: SIM115
    ca = CertificateAuthority.objects.get(slug="sekap-issuing")
    setups = [make_service(), make_service()]
    people = []
    for n in range(citizens):
        citizen = make_citizen(ca)
        people.append((citizen, Token.objects.create(user=citizen.user).key, setups[n % 2]))
    requests = []
    for n in range(documents):
        citizen, token, setup = people[n % citizens]
        signed = citizen.sign(document_for(setup, note=f"Wniosek {n}: prosz\u0119 o wydanie."))
        requests.append(
            {"token": token, "service": setup.service.pk,
             "document": base64.b64encode(signed).decode()}
        )  # fmt: skip
    with open(out, "w") as handle:
        json.dump(requests, handle)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
