import factory

from offices.models import Department, Office, StaffMembership


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("terc",)

    terc = factory.Sequence(lambda n: f"2401{(n % 89) + 10:02d}1")
    kind = "municipality"
    unit = factory.Sequence(lambda n: f"Gmina Testowa {n}")
    name = factory.Sequence(lambda n: f"Urząd Gminy Testowej {n}")
    office_type = "Urząd Gminy"
    gmina_type = "1"
    seat = "Testowo"
    esp_address = factory.Sequence(lambda n: f"/test-{n}/SkrytkaESP")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    office = factory.SubFactory(OfficeFactory)
    symbol = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Wydział {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    office = factory.SubFactory(OfficeFactory)
    role = "clerk"
