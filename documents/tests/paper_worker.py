"""A separate process registering paper items (started by test_register_concurrency).

Usage: python -m documents.tests.paper_worker OFFICE CLERK CORRESPONDENT DEPARTMENT COUNT GO
Waits until the file GO exists (so all processes start together), registers COUNT items and
one more that is rolled back after taking its number, and prints the numbers it kept.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


class RolledBack(Exception):
    pass


def main(office_id: int, clerk_id: int, who_id: int, department_id: int, count: int, go: str):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from documents.models import Correspondent
    from documents.services.register import paper_register
    from offices.models import Department, Office

    office = Office.objects.get(pk=office_id)
    clerk = get_user_model().objects.get(pk=clerk_id)
    who = Correspondent.objects.get(pk=who_id)
    department = Department.objects.get(pk=department_id)
    while not Path(go).exists():
        time.sleep(0.01)
    kept = []
    for n in range(count + 1):
        try:
            with transaction.atomic():
                entry = paper_register(
                    office=office,
                    clerk=clerk,
                    correspondent=who,
                    department=department,
                    title=f"Pismo {os.getpid()}-{n}",
                    channel="post",
                )
                if n == count // 2:  # the clerk cancels: the number must go back
                    raise RolledBack
            kept.append(entry.number)
        except RolledBack:
            pass
    print(" ".join(map(str, kept)))


if __name__ == "__main__":
    office, clerk, who, department, count = (int(a) for a in sys.argv[1:6])
    main(office, clerk, who, department, count, sys.argv[6])
