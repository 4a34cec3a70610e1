"""Workflows as data: the one status writer, roles for each step, pinned versions, validation."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from documents.errors import (
    TransitionNotFromState,
    TransitionRequirementMissing,
    TransitionRoleRequired,
    TransitionUnknown,
)
from documents.models import Case, CaseEvent, Workflow, WorkflowVersion
from documents.services.workflow import (
    DefinitionInvalid,
    case_transition,
    definition_parse,
    hooks,
    on_transition,
    requirement_check,
    requirements,
    transitions_available,
    version_current,
)
from documents.tests.fixtures import clerk_of, make_case, make_service
from offices.models import Deputy
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# An assignment to a case's status, setattr of it, or a bulk update of cases' statuses.
WRITER = re.compile(
    r"\bcase\w*\.status\s*=[^=]"
    r"|setattr\(\s*case\w*\s*,\s*[\"']status"
    r"|(?i:case)\w*\.objects\b.*\.update\([^)]*\bstatus\s*="
    r"|\b(?i:cases)\w*\.update\([^)]*\bstatus\s*="
)


def _writers(text: str) -> list[str]:
    # a call split over lines reads as one line
    joined = re.sub(r"\s*\n\s*\)", ")", re.sub(r"([(,])\s*\n\s*", r"\1", text))
    return [m.group(0) for m in WRITER.finditer(joined)]


def test_no_code_but_case_transition_writes_a_case_status():
    """Only documents/services/workflow writes a case's status (tests and migrations set
    up or move data and are left out)."""
    found = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "node_modules/", "var/", "tests/", "bench/")):
            continue
        if "/tests/" in rel or "/migrations/" in rel:
            continue
        if rel.startswith("documents/services/workflow/"):
            continue
        found += [f"{rel}: {hit}" for hit in _writers(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "    case.status = CaseStatus.CLOSED\n",
        "    setattr(case, 'status', 'final')\n",
        "    Case.objects.filter(pk=1).update(status='final')\n",
        "    Case.objects.filter(\n        pk=1\n    ).update(\n        status='final')\n",
        "    cases.update(status='final')\n",
    ],
)
def test_the_check_sees_a_writer(line):
    assert _writers(line)


def test_the_check_ignores_reads_and_other_models():
    assert not _writers("    if case.status == CaseStatus.CLOSED:\n")
    assert not _writers("    Order.objects.filter(pk=1).update(status='paid')\n")


@pytest.fixture
def office(db, pki_dir):
    setup = make_service(symbol="OR")
    applicant = UserFactory()
    case = make_case(setup, applicant, 1)
    return setup, case, applicant


def _staff(setup, role, department=True):
    return clerk_of(setup, role=role, department=department)


def test_a_new_case_pins_the_default_version_and_starts_open(office):
    _setup, case, _applicant = office
    default = WorkflowVersion.objects.get(workflow__name="default", number=1)
    assert case.status == "open" and case.workflow_version == default


def test_take_then_history_and_audit(office):
    setup, case, _applicant = office
    clerk = _staff(setup, "clerk")
    case = case_transition(case=case, transition="take", actor=clerk, reason="ok")
    case.refresh_from_db()
    assert case.status == "formal_check"
    event = CaseEvent.objects.filter(case=case, action="status").get()
    assert event.actor == clerk and event.params == {
        "transition": "take",
        "from": "open",
        "to": "formal_check",
        "reason": "ok",
    }
    assert event.description == "Sprawa jest teraz: kontrola formalna. Powód: ok"
    entry = AuditEntry.objects.filter(action="documents.case_transition").get()
    assert entry.before == {"status": "open"} and entry.after["status"] == "formal_check"
    assert entry.after["role"] == "clerk"


def _walk(case, steps):
    for step, actor in steps:
        case = case_transition(case=case, transition=step, actor=actor)
    return case


@pytest.fixture
def decision_ready(monkeypatch):
    """Every decision condition met (the decision service's checks are tested there)."""
    for code in ("decision_draft", "decision_approved", "decision_signed", "decision_dispatched"):
        monkeypatch.setitem(requirements._CHECKS, code, lambda case: True)


# step -> the roles that may take it in the default workflow, and the state it starts in
STEP_ROLES = [
    ("take", "open", {"clerk"}),
    ("accept", "formal_check", {"clerk"}),
    ("call_supplement", "in_progress", {"clerk"}),
    ("suspend", "in_progress", {"clerk"}),
    ("draft_decision", "in_progress", {"clerk"}),
    ("submit_for_approval", "drafting", {"clerk"}),
    ("approve", "approval", {"head"}),
    ("return_for_changes", "approval", {"head", "signer"}),
    ("sign", "signature", {"signer"}),
    ("dispatch", "dispatch", {"clerk", "registry"}),
    ("deliver", "sent", {"party", "system", "registry"}),
    ("appeal", "delivered", {"party"}),
    ("become_final", "delivered", {"system"}),
]


def _put(case, state):
    Case.objects.filter(pk=case.pk).update(status=state)  # test set-up only
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(("step", "state", "allowed"), STEP_ROLES)
def test_each_step_only_with_its_role(office, decision_ready, step, state, allowed):
    setup, case, applicant = office
    handler = _staff(setup, "clerk")
    Case.objects.filter(pk=case.pk).update(assignee=handler)
    people = {
        "clerk": handler,
        "other_clerk": _staff(setup, "clerk"),  # same department, not the handler
        "head": _staff(setup, "head"),
        "signer": _staff(setup, "signer"),
        "registry": _staff(setup, "registry_clerk", department=False),
        "party": applicant,
        "stranger": UserFactory(),
        "other_office_head": clerk_of(make_service(symbol="OR"), role="head"),
        "system": None,
    }
    for name, actor in people.items():
        case = _put(case, state)
        role = {"other_clerk": "-", "stranger": "-", "other_office_head": "-"}.get(name, name)
        if role in allowed:
            moved = case_transition(case=case, transition=step, actor=actor)
            assert moved.status != state, name
            continue
        events = CaseEvent.objects.filter(case=case).count()
        with pytest.raises(TransitionRoleRequired):
            case_transition(case=case, transition=step, actor=actor)
        case.refresh_from_db()
        assert case.status == state, name
        assert CaseEvent.objects.filter(case=case).count() == events


def test_step_from_the_wrong_state_or_unknown_is_refused(office):
    setup, case, _applicant = office
    clerk = _staff(setup, "clerk")
    with pytest.raises(TransitionNotFromState):
        case_transition(case=case, transition="accept", actor=clerk)
    with pytest.raises(TransitionUnknown):
        case_transition(case=case, transition="teleport", actor=clerk)
    case.refresh_from_db()
    assert case.status == "open"


def test_conditions_are_checked(office):
    setup, case, _applicant = office
    clerk = _staff(setup, "clerk")
    case = _walk(case, [("take", clerk), ("accept", clerk), ("draft_decision", clerk)])
    with pytest.raises(TransitionRequirementMissing) as refused:
        case_transition(case=case, transition="submit_for_approval", actor=clerk)
    assert refused.value.missing == ["decision_draft"]
    case.refresh_from_db()
    assert case.status == "drafting"


def test_a_deputy_acts_for_the_absent_head_only_inside_the_window(office, decision_ready):
    setup, case, _applicant = office
    head = _staff(setup, "head")
    deputy = _staff(setup, "clerk")
    now = timezone.now()
    Deputy.objects.create(
        office=setup.office,
        principal=head,
        deputy=deputy,
        valid_from=now - dt.timedelta(hours=1),
        valid_to=now + dt.timedelta(hours=1),
    )
    case = _put(case, "approval")
    with pytest.raises(TransitionRoleRequired):
        case_transition(
            case=case, transition="approve", actor=deputy, now=now + dt.timedelta(hours=2)
        )
    case = case_transition(case=case, transition="approve", actor=deputy, now=now)
    assert case.status == "signature"
    event = CaseEvent.objects.get(case=case, action="status")
    assert event.actor == deputy and event.params["on_behalf_of"] == head.get_full_name()


def test_a_running_case_keeps_its_version(office):
    setup, case, applicant = office
    clerk = _staff(setup, "clerk")
    old = case.workflow_version
    # the office gives the service its own workflow, where taking skips the formal check
    data = copy.deepcopy(old.definition)
    data["states"] = [s for s in data["states"] if s["code"] != "formal_check"]
    data["transitions"] = [t for t in data["transitions"] if t["code"] != "accept"]
    for step in data["transitions"]:
        step["from"] = [s for s in step["from"] if s != "formal_check"]
        if step["code"] == "take":
            step["to"] = "in_progress"
    definition_parse(data)
    own = Workflow.objects.create(office=setup.office, service=setup.service, name="Mine")
    WorkflowVersion.objects.create(
        workflow=own,
        number=1,
        status="published",
        definition=data,
        created_at=timezone.now(),
        published_at=timezone.now(),
    )
    assert version_current(service=setup.service).workflow == own
    later = make_case(setup, applicant, 2)
    assert later.workflow_version.workflow == own
    assert case_transition(case=case, transition="take", actor=clerk).status == "formal_check"
    assert case_transition(case=later, transition="take", actor=clerk).status == "in_progress"


def test_listeners_hear_the_clock_stop_and_restart(office, monkeypatch):
    setup, case, _applicant = office
    clerk = _staff(setup, "clerk")
    heard = []
    monkeypatch.setattr(hooks, "_LISTENERS", [])
    on_transition(lambda done: heard.append((done.transition, done.clock_runs)))
    case = _walk(case, [("take", clerk), ("call_supplement", clerk)])
    case_transition(case=case, transition="supplement_received", actor=None)
    assert heard == [("take", True), ("call_supplement", False), ("supplement_received", True)]


def test_available_steps_follow_role_and_state(office):
    setup, case, applicant = office
    clerk = _staff(setup, "clerk")
    assert {t.code for t in transitions_available(case=case, actor=clerk)} == {
        "take",
        "call_supplement",
        "close",
    }
    assert transitions_available(case=case, actor=applicant) == []


def test_registered_check_decides(office, monkeypatch):
    monkeypatch.setattr(requirements, "_CHECKS", {})
    setup, case, _applicant = office
    clerk = _staff(setup, "clerk")
    case = _walk(case, [("take", clerk), ("accept", clerk), ("request_opinions", clerk)])
    requirement_check("opinions_given")(lambda c: c.pk == case.pk)
    assert case_transition(case=case, transition="opinions_complete", actor=clerk).status == (
        "in_progress"
    )


def _definition():
    return copy.deepcopy(WorkflowVersion.objects.get(workflow__name="default").definition)


def test_the_default_definition_is_valid():
    definition = definition_parse(_definition())
    assert {s.code for s in definition.states.values() if s.terminal} == {
        "final",
        "unexamined",
        "closed",
    }
    assert not definition.states["waiting"].clock and not definition.states["suspended"].clock


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["states"].pop(0), "A workflow starts in the state “open”."),
        (
            lambda d: d["states"].append({"code": "limbo", "clock": True}),
            "“limbo” is not a known state.",
        ),
        (
            lambda d: [s.update(terminal=False) for s in d["states"]],
            "A workflow needs at least one final state.",
        ),
        (
            lambda d: d.__setitem__(
                "transitions", [t for t in d["transitions"] if t["code"] != "appeal"]
            ),
            "The state “appealed” cannot be reached from the start.",
        ),
        (
            lambda d: d.__setitem__(
                "transitions",
                [t for t in d["transitions"] if t["code"] not in ("resume", "close")],
            ),
            "From the state “suspended” no final state can be reached.",
        ),
        (
            lambda d: d["transitions"].append(
                {"code": "undo", "from": ["final"], "to": "in_progress", "roles": ["clerk"]}
            ),
            "The step “undo” leaves the final state “final”.",
        ),
        (
            lambda d: d["transitions"][0].update(roles=["janitor"]),
            "The step “take” needs known roles.",
        ),
        (lambda d: d.pop("states"), "The workflow is not in the expected format."),
    ],
)
def test_invalid_definitions_say_why(change, message, english):
    data = _definition()
    change(data)
    with pytest.raises(DefinitionInvalid) as invalid:
        definition_parse(data)
    assert message in invalid.value.errors
