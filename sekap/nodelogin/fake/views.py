"""Pages and SOAP endpoints of the fake node (404 unless NODELOGIN_FAKE is on)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import conf
from ..forms import FakeNodeLoginForm
from . import node
from .people import PEOPLE, person_by_pesel

logger = logging.getLogger(__name__)
SESSION_KEY = "fakenode_request"
SOAP_FAULT = (
    b'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope '
    b'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
    b"<faultcode>soap:Client</faultcode><faultstring>Request refused</faultstring>"
    b"</soap:Fault></soap:Body></soap:Envelope>"
)


def _enabled() -> None:
    if not conf.fake_enabled():
        raise Http404


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    _enabled()
    return HttpResponse(node.metadata_xml(), content_type="application/samlmetadata+xml")


@csrf_exempt  # the platform's auto-posted form: a SAML endpoint, checked by its signature
@require_POST
def single_sign_on(request: HttpRequest) -> HttpResponse:
    _enabled()
    try:
        pending = node.authn_request_receive(
            saml_request=request.POST.get("SAMLRequest", ""),
            relay_state=request.POST.get("RelayState", ""),
        )
    except node.FakeNodeRefusal as exc:
        logger.warning("Fake node: %s", exc)
        return render(request, "nodelogin/fake/refused.html", {"reason": str(exc)}, status=400)
    request.session[SESSION_KEY] = pending.as_dict()
    return HttpResponseRedirect(reverse("fakenode:login"))


@require_http_methods(["GET", "POST"])
def choose_person(request: HttpRequest) -> HttpResponse:
    """The tester picks who logs in; the browser goes back to the platform with an artifact."""
    _enabled()
    data = request.session.get(SESSION_KEY)
    if not data:
        return render(request, "nodelogin/fake/refused.html", {"reason": ""}, status=400)
    pending = node.PendingRequest(**data)
    form = FakeNodeLoginForm(request.POST or None, people=PEOPLE, initial={"loa": pending.loa})
    if request.method == "POST" and form.is_valid():
        person = person_by_pesel(form.cleaned_data["person"])
        response = node.response_xml(pending=pending, person=person, loa=form.cleaned_data["loa"])
        artifact = node.artifact_issue(response=response)
        del request.session[SESSION_KEY]
        query = urlencode({"SAMLart": artifact, "RelayState": pending.relay_state})
        return HttpResponseRedirect(f"{pending.acs_url}?{query}")
    return render(
        request,
        "nodelogin/fake/login.html",
        {"form": form, "sp": pending.sp_entity_id},
        status=400 if request.method == "POST" else 200,
    )


@csrf_exempt  # SOAP back channel, authenticated by the platform's signature
@require_POST
def artifact_resolution(request: HttpRequest) -> HttpResponse:
    _enabled()
    try:
        answer = node.artifact_resolve_soap(request.body)
    except node.FakeNodeRefusal as exc:
        logger.warning("Fake node: %s", exc)
        return HttpResponse(SOAP_FAULT, status=500, content_type="text/xml; charset=utf-8")
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def single_logout(request: HttpRequest) -> HttpResponse:
    _enabled()
    try:
        answer = node.logout_soap(request.body)
    except node.FakeNodeRefusal as exc:
        logger.warning("Fake node: %s", exc)
        return HttpResponse(SOAP_FAULT, status=500, content_type="text/xml; charset=utf-8")
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")


@csrf_exempt  # the service's auto-posted form: a SAML endpoint, checked by its signature
@require_POST
def single_logout_front(request: HttpRequest) -> HttpResponse:
    """Front channel: the service's LogoutRequest (answered through the browser), or its
    answer to the node's own LogoutRequest."""
    _enabled()
    try:
        if request.POST.get("SAMLRequest"):
            reply = node.logout_front_receive(
                saml_request=request.POST["SAMLRequest"],
                relay_state=request.POST.get("RelayState", ""),
            )
            return render(request, "nodelogin/fake/slo_post.html", {"message": reply})
        confirmed = node.logout_front_answer(saml_response=request.POST.get("SAMLResponse", ""))
    except node.FakeNodeRefusal as exc:
        logger.warning("Fake node: %s", exc)
        return render(request, "nodelogin/fake/refused.html", {"reason": str(exc)}, status=400)
    return render(request, "nodelogin/fake/logged_out.html", {"confirmed": confirmed})
