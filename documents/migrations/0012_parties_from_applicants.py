"""Existing cases get their applicant as a correspondent and an applicant party; existing
register entries get their channel, correspondent and case from their submission."""

from django.db import migrations
from django.utils import timezone

from sekap.text import search_key


def _correspondent(Correspondent, cache, *, office_id, user, company):
    key = (office_id, user.pk, company.pk if company else None)
    if key in cache:
        return cache[key]
    if company is not None:
        found = Correspondent.objects.filter(office_id=office_id, company=company).first()
        fields = {
            "kind": "organisation",
            "name": company.name[:300],
            "nip": company.nip,
            "regon": company.regon,
            "street": company.address[:200],
            "company": company,
        }
        words = [company.name, company.nip, company.regon]
    else:
        found = Correspondent.objects.filter(office_id=office_id, account=user).first()
        verified = user.identity_level == "verified"
        fields = {
            "kind": "person",
            "first_name": user.first_name,
            "last_name": user.last_name,
            "pesel": user.pesel if verified else "",
            "email": user.email,
            "account": user,
        }
        words = [user.first_name, user.last_name, fields["pesel"], user.email]
    if found is None:
        found = Correspondent.objects.create(
            office_id=office_id,
            search_text=search_key(" ".join(w for w in words if w))[:600],
            created_at=timezone.now(),
            **fields,
        )
    cache[key] = found
    return found


def forwards(apps, schema_editor):
    Case = apps.get_model("documents", "Case")
    CaseParty = apps.get_model("documents", "CaseParty")
    Correspondent = apps.get_model("documents", "Correspondent")
    RegisterEntry = apps.get_model("documents", "RegisterEntry")
    cache: dict = {}
    for case in Case.objects.select_related("applicant", "company").iterator():
        if case.applicant_id is None:
            continue
        who = _correspondent(
            Correspondent,
            cache,
            office_id=case.office_id,
            user=case.applicant,
            company=case.company,
        )
        CaseParty.objects.get_or_create(
            case=case,
            correspondent=who,
            role="applicant",
            defaults={"served_via_platform": True, "added_at": case.opened_at},
        )
    entries = RegisterEntry.objects.select_related(
        "submission", "submission__submitter", "submission__company"
    )
    for entry in entries.iterator():
        submission = entry.submission
        if submission is None:
            continue
        entry.channel = "api" if submission.channel == "api" else "esp"
        entry.correspondent = _correspondent(
            Correspondent,
            cache,
            office_id=entry.office_id,
            user=submission.submitter,
            company=submission.company,
        )
        entry.case_id = submission.case_id or submission.reply_to_id
        entry.save(update_fields=["channel", "correspondent", "case"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0011_register_channels_correspondents")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
