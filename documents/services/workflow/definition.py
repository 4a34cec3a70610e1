"""The format of a workflow version's ``definition`` and its validation.

```json
{"states": [{"code": "open", "clock": true}, {"code": "final", "clock": false, "terminal": true}],
 "transitions": [{"code": "take", "from": ["open"], "to": "formal_check",
                  "roles": ["clerk"], "requires": []}]}
```

- State codes are ``CaseStatus`` values (stable; services, work lists and the portal rely on
  them). Every workflow starts in ``open``. ``clock`` says whether the legal deadline (KPA
  art. 35) runs while a case is in the state; ``terminal`` states end the office's work.
- A transition code names a step; services ask for steps by code (``take``, ``approve``,
  ``sign``...), an office may add steps of its own. ``roles`` are alternatives (``ROLES``);
  ``requires`` are conditions on the case (``REQUIREMENTS``) checked when the step is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ...models import CaseStatus

START = CaseStatus.OPEN.value

# Who may take a step. A member of staff may also act for a person they stand in for.
ROLES: dict[str, str] = {
    "registry": gettext_noop("registry clerk"),
    "clerk": gettext_noop("clerk handling the case"),
    "head": gettext_noop("head of the department"),
    "signer": gettext_noop("official authorised to sign decisions"),
    "party": gettext_noop("party to the case"),
    "system": gettext_noop("the system (by itself)"),
}

# What must be true of a case before a step (checked by documents.services.workflow.requirements).
REQUIREMENTS: dict[str, str] = {
    "opinions_given": gettext_noop("every opinion asked for is given"),
    "decision_draft": gettext_noop("a draft decision"),
    "decision_approved": gettext_noop("the decision approved by the head of the department"),
    "decision_signed": gettext_noop("the decision signed"),
    "decision_dispatched": gettext_noop("the decision dispatched to the parties"),
}

# What the steps of the default workflow are called on buttons (an office's own steps show
# their code).
STEP_LABELS: dict[str, str] = {
    "take": gettext_noop("Take the case"),
    "accept": gettext_noop("Formal check passed"),
    "call_supplement": gettext_noop("Call for a supplement"),
    "supplement_received": gettext_noop("Supplement received"),
    "leave_unexamined": gettext_noop("Leave unexamined"),
    "suspend": gettext_noop("Suspend the proceedings"),
    "resume": gettext_noop("Resume the proceedings"),
    "request_opinions": gettext_noop("Ask for opinions"),
    "opinions_complete": gettext_noop("Opinions complete"),
    "draft_decision": gettext_noop("Draft the decision"),
    "submit_for_approval": gettext_noop("Pass for approval"),
    "return_for_changes": gettext_noop("Return for changes"),
    "approve": gettext_noop("Approve the decision"),
    "sign": gettext_noop("Sign the decision"),
    "dispatch": gettext_noop("Send to the parties"),
    "deliver": gettext_noop("Delivered"),
    "appeal": gettext_noop("Appeal"),
    "become_final": gettext_noop("Final"),
    "close": gettext_noop("Close the case"),
    "close_after_appeal": gettext_noop("Close after the appeal body's ruling"),
    "return_unpaid": gettext_noop("Return the application (fee not paid)"),
}

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class State:
    code: str
    clock: bool
    terminal: bool

    @property
    def label(self) -> str:
        return str(CaseStatus(self.code).label)


@dataclass(frozen=True)
class Transition:
    code: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    requires: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return _(STEP_LABELS[self.code]) if self.code in STEP_LABELS else self.code


@dataclass(frozen=True)
class Definition:
    states: dict[str, State]
    transitions: dict[str, Transition]

    def transition(self, code: str) -> Transition | None:
        return self.transitions.get(code)

    def leaving(self, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state in t.sources]

    def as_data(self) -> dict:
        return {
            "states": [
                {"code": s.code, "clock": s.clock, "terminal": s.terminal}
                for s in self.states.values()
            ],
            "transitions": [
                {
                    "code": t.code,
                    "from": list(t.sources),
                    "to": t.target,
                    "roles": list(t.roles),
                    "requires": list(t.requires),
                }
                for t in self.transitions.values()
            ],
        }


class DefinitionInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def _strings(value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError
    return tuple(value)


def _shape(data) -> Definition:
    """Read the JSON shape (``TypeError``/``KeyError`` when it is not this format)."""
    states: dict[str, State] = {}
    for row in data["states"]:
        code = str(row["code"])
        if code in states:
            raise DefinitionInvalid([_("The state “%(code)s” is listed twice.") % {"code": code}])
        states[code] = State(
            code=code, clock=bool(row.get("clock", True)), terminal=bool(row.get("terminal"))
        )
    transitions: dict[str, Transition] = {}
    for row in data["transitions"]:
        code = str(row["code"])
        if code in transitions:
            raise DefinitionInvalid([_("The step “%(code)s” is listed twice.") % {"code": code}])
        transitions[code] = Transition(
            code=code,
            sources=_strings(row["from"]),
            target=str(row["to"]),
            roles=_strings(row["roles"]),
            requires=_strings(row.get("requires", [])),
        )
    return Definition(states=states, transitions=transitions)


def _reachable(definition: Definition, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for t in definition.leaving(todo.pop()):
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen


def _errors(definition: Definition) -> list[str]:
    errors: list[str] = []
    for code in definition.states:
        if code not in CaseStatus.values:
            errors.append(_("“%(code)s” is not a known state.") % {"code": code})
    if START not in definition.states:
        errors.append(_("A workflow starts in the state “%(code)s”.") % {"code": START})
    if not any(s.terminal for s in definition.states.values()):
        errors.append(_("A workflow needs at least one final state."))
    for t in definition.transitions.values():
        values = {"code": t.code}
        if not _CODE.match(t.code):
            errors.append(
                _("The step code “%(code)s” may use only small letters, digits and “_”.") % values
            )
        for source in t.sources:
            if source not in definition.states:
                errors.append(
                    _("The step “%(code)s” starts in an unknown state “%(state)s”.")
                    % {**values, "state": source}
                )
            elif definition.states[source].terminal:
                errors.append(
                    _("The step “%(code)s” leaves the final state “%(state)s”.")
                    % {**values, "state": source}
                )
        if not t.sources:
            errors.append(_("The step “%(code)s” starts in no state.") % values)
        if t.target not in definition.states:
            errors.append(_("The step “%(code)s” leads to an unknown state.") % values)
        if t.target == START:
            errors.append(_("No step may lead back to the start state."))
        if not t.roles or any(role not in ROLES for role in t.roles):
            errors.append(_("The step “%(code)s” needs known roles.") % values)
        if any(need not in REQUIREMENTS for need in t.requires):
            errors.append(_("The step “%(code)s” needs an unknown condition.") % values)
    if errors or START not in definition.states:
        return errors
    reachable = _reachable(definition, START)
    for code, state in definition.states.items():
        if code not in reachable:
            errors.append(
                _("The state “%(code)s” cannot be reached from the start.") % {"code": code}
            )
        elif not state.terminal and not (_reachable(definition, code) - {code}) & {
            c for c, s in definition.states.items() if s.terminal
        }:
            errors.append(
                _("From the state “%(code)s” no final state can be reached.") % {"code": code}
            )
    return errors


def definition_parse(data) -> Definition:
    """The definition, or ``DefinitionInvalid`` with every problem found, said for people."""
    try:
        definition = _shape(data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise DefinitionInvalid([_("The workflow is not in the expected format.")]) from exc
    errors = _errors(definition)
    if errors:
        raise DefinitionInvalid(errors)
    return definition
