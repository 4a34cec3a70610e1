"""Certificate profiles as data. Policy OIDs sit under the SEKAP arc (certauth.conf)."""

from django.db import migrations

ARC = "1.3.6.1.4.1.32473.1.1"  # certauth.conf.DEFAULT_OID_ARC + ".1"
ALL_KEYS = ["RSA-2048", "RSA-3072", "RSA-4096", "EC-P256", "EC-P384"]

PROFILES = [
    {
        "slug": "citizen-signing",
        "name": "Citizen signing certificate",
        "subject_kind": "citizen",
        "key_usage": ["content_commitment"],
        "allowed_key_types": ALL_KEYS,
        "validity_days": 730,
        "policy_oids": [f"{ARC}.1"],
        "self_service": True,
    },
    {
        "slug": "clerk-signing",
        "name": "Clerk signing certificate",
        "subject_kind": "clerk",
        "key_usage": ["digital_signature", "content_commitment"],
        "allowed_key_types": ALL_KEYS,
        "validity_days": 730,
        "policy_oids": [f"{ARC}.2"],
        "four_eyes": True,
    },
    {
        "slug": "office-seal",
        "name": "Office seal certificate",
        "subject_kind": "seal",
        "key_usage": ["digital_signature", "content_commitment"],
        "allowed_key_types": ALL_KEYS,
        "validity_days": 1095,
        "policy_oids": [f"{ARC}.3"],
        "four_eyes": True,
    },
    {
        "slug": "ocsp-responder",
        "name": "OCSP responder",
        "subject_kind": "service",
        "key_usage": ["digital_signature"],
        "extended_key_usage": ["1.3.6.1.5.5.7.3.9"],
        "ocsp_nocheck": True,
        "allowed_key_types": ALL_KEYS,
        "validity_days": 365,
        "policy_oids": [f"{ARC}.4"],
    },
    {
        "slug": "time-stamping",
        "name": "Time-stamping unit",
        "subject_kind": "service",
        "key_usage": ["digital_signature"],
        "extended_key_usage": ["1.3.6.1.5.5.7.3.8"],
        "extended_key_usage_critical": True,
        "allowed_key_types": ALL_KEYS,
        "validity_days": 1825,
        "policy_oids": [f"{ARC}.5"],
    },
]


def create(apps, schema_editor):
    Profile = apps.get_model("certauth", "Profile")
    for data in PROFILES:
        Profile.objects.update_or_create(slug=data["slug"], defaults=data)


def remove(apps, schema_editor):
    apps.get_model("certauth", "Profile").objects.filter(
        slug__in=[p["slug"] for p in PROFILES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("certauth", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
