"""Processes registering paper items at once (started by test_register_concurrency).

Usage: python -m documents.tests.paper_worker OFFICE CLERK CORRESPONDENT DEPARTMENT COUNT PROCESSES
Sets Django up once and forks PROCESSES processes, each with its own PostgreSQL connection. They
start together (a barrier); each registers COUNT items and one more that is rolled back after
taking its number. Prints the numbers each process kept, one line per process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback


class RolledBack(Exception):
    pass


def register(rows: tuple, count: int, start) -> list[int]:
    from django.db import transaction

    from documents.services.register import paper_register

    office, clerk, who, department = rows
    start.wait(timeout=120)
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
    return kept


def child(rows: tuple, count: int, start, results) -> None:
    try:
        results.put(register(rows, count, start))
    except BaseException:
        results.put(traceback.format_exc())
        raise


def main(
    office_id: int, clerk_id: int, who_id: int, department_id: int, count: int, processes: int
) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections

    from documents.models import Correspondent
    from offices.models import Department, Office

    rows = (
        Office.objects.get(pk=office_id),
        get_user_model().objects.get(pk=clerk_id),
        Correspondent.objects.get(pk=who_id),
        Department.objects.get(pk=department_id),
    )
    connections.close_all()  # each forked process opens its own connection
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes), context.Queue()
    children = [
        context.Process(target=child, args=(rows, count, start, results), daemon=True)
        for _ in range(processes)
    ]
    for process in children:
        process.start()
    outcomes = [results.get(timeout=300) for _ in children]
    for process in children:
        process.join(timeout=30)
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        sys.stderr.write(failures[0])
        return 1
    for kept in outcomes:
        print(" ".join(map(str, kept)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:7])))
