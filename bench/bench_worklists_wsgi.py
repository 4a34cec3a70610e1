"""The project (``bench_wsgi``) plus the work-list benchmark's peer at ``/bench/peer/?office=N``:
50 rows of an office's open cases in deadline order with their applicant and handler, as JSON,
by office alone: no middleware, session, visibility rule, menu or template (the floor the
database and one Django query give). Everything else goes to the project."""

import json
from urllib.parse import parse_qs

from bench_wsgi import application as project

PEER = "/bench/peer/"


def _peer(environ, start_response):
    from documents.models import CLOSED_STATUSES, Case

    office = int(parse_qs(environ.get("QUERY_STRING", ""))["office"][0])
    cases = Case.objects.filter(office_id=office).exclude(status__in=CLOSED_STATUSES)
    rows = cases.select_related("applicant", "assignee").order_by("deadline", "opened_at", "pk")
    body = json.dumps([
        {"id": c.pk, "sign": c.sign, "title": c.title, "status": c.status,
         "deadline": c.deadline.isoformat() if c.deadline else None,
         "applicant": str(c.applicant) if c.applicant_id else "",
         "assignee": str(c.assignee) if c.assignee_id else ""}
        for c in rows.defer("search_text")[:50]
    ]).encode()  # fmt: skip
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])  # fmt: skip
    return [body]


def application(environ, start_response):
    if environ.get("PATH_INFO") == PEER:
        return _peer(environ, start_response)
    return project(environ, start_response)
