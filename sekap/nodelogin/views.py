"""The national-node login's pages and protocol endpoints. Thin: the protocol is in ``sp``,
the accounts in ``services``. None of these views runs in a transaction (SOAP calls)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sekap import audit
from sekap.accounts.sessions import CHANNEL_KEY, NATIONAL_NODE, is_national_node_session

from . import conf, saml, services, slo, sp
from .errors import NodeLoginRefused, NodeUnavailable
from .forms import CreateAccountForm, LinkAccountForm

logger = logging.getLogger(__name__)
PENDING_KEY = "nodelogin_pending"
IDENTITY_KEY = "nodelogin_identity"
NODE_SESSION_KEY = "nodelogin_session"
LOGOUT_KEY = "nodelogin_logout_request"
IDENTITY_MAX_AGE = dt.timedelta(minutes=15)


def _enabled() -> None:
    if not conf.enabled():
        raise Http404


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return "/"


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Send the signed AuthnRequest to the node (HTTP-POST binding)."""
    _enabled()
    try:
        out = sp.authn_request_create()
    except NodeUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("accounts:login")
    relay_state = secrets.token_urlsafe(24)
    request.session[PENDING_KEY] = {
        "request_id": out.request_id,
        "relay_state": relay_state,
        "next": _safe_next(request, request.POST.get("next")),
    }
    response = render(
        request,
        "nodelogin/to_node.html",
        {"sso_url": out.sso_url, "saml_request": out.saml_request, "relay_state": relay_state},
    )
    node = urlsplit(out.sso_url)
    response._csp_update = {"form-action": [f"{node.scheme}://{node.netloc}"]}
    return response


def _refused(request: HttpRequest, exc: NodeLoginRefused | NodeUnavailable) -> HttpResponse:
    reason = getattr(exc, "reason", exc.code)
    logger.warning("Login through the national node refused: %s", reason)
    audit.record(
        actor=request.user if request.user.is_authenticated else None,
        action="nodelogin.refused",
        after={"reason": str(reason)[:500]},
    )
    return render(request, "nodelogin/refused.html", {"message": exc.message}, status=exc.status)


def node_session_start(request: HttpRequest, user, identity: sp.NodeIdentity) -> None:
    """Log ``user`` in; the session is a national-node (citizen's) session."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[CHANNEL_KEY] = NATIONAL_NODE
    request.session[NODE_SESSION_KEY] = {
        "name_id": identity.name_id,
        "session_index": identity.session_index,
        "loa": identity.loa,
    }
    request.session.save()
    slo.node_session_record(
        session_key=request.session.session_key,
        user=user,
        name_id=identity.name_id,
        session_index=identity.session_index,
    )


@require_http_methods(["GET", "POST"])
def acs(request: HttpRequest) -> HttpResponse:
    """The node sends the browser back with an artifact; resolve it over the back channel."""
    _enabled()
    data = request.GET if request.method == "GET" else request.POST
    pending = request.session.pop(PENDING_KEY, None) or {}
    try:
        if not pending or data.get("RelayState", "") != pending.get("relay_state"):
            # Still resolve nothing: an artifact for a login this browser did not start.
            raise NodeLoginRefused("relay_state.mismatch")
        identity = sp.artifact_resolve(
            artifact=data.get("SAMLart", ""), request_id=pending.get("request_id", "")
        )
    except (NodeLoginRefused, NodeUnavailable) as exc:
        return _refused(request, exc)
    current = request.user if request.user.is_authenticated else None
    if current is not None and is_national_node_session(request):
        current = None  # a node session proves no password: it cannot link another account
    try:
        result = services.node_login(identity=identity, current=current)
    except services.NodeAccountError as exc:
        return render(request, "nodelogin/refused.html", {"message": exc.message}, status=400)
    if result.user is None:
        request.session[IDENTITY_KEY] = services.identity_to_session(identity)
        request.session[PENDING_KEY + "_next"] = pending.get("next", "/")
        return redirect("nodelogin:welcome")
    node_session_start(request, result.user, identity)
    if result.linked_now:
        messages.success(request, _("Your identity is confirmed by login.gov.pl."))
    return HttpResponseRedirect(pending.get("next") or "/")


def _pending_identity(request: HttpRequest) -> sp.NodeIdentity | None:
    data = request.session.get(IDENTITY_KEY)
    if not data:
        return None
    identity = services.identity_from_session(data)
    if timezone.now() - identity.authenticated_at > IDENTITY_MAX_AGE:
        request.session.pop(IDENTITY_KEY, None)
        return None
    return identity


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """A person the node vouched for who has no verified account: link one or create one."""
    _enabled()
    identity = _pending_identity(request)
    if identity is None:
        messages.error(request, _("Log in through login.gov.pl again."))
        return redirect("accounts:login")
    link_form = LinkAccountForm(request.POST if "link" in request.POST else None, prefix="link")
    create_form = CreateAccountForm(
        request.POST if "create" in request.POST else None, prefix="create"
    )
    user = None
    try:
        if "link" in request.POST and link_form.is_valid():
            account = authenticate(
                request,
                username=link_form.cleaned_data["email"],
                password=link_form.cleaned_data["password"],
            )
            if account is None:
                link_form.add_error(None, _("The e-mail address or password is wrong."))
            else:
                user = services.node_link_with_password(identity=identity, user=account)
        elif "create" in request.POST and create_form.is_valid():
            user = services.node_account_create(
                identity=identity, email=create_form.cleaned_data["email"]
            )
    except services.NodeAccountError as exc:
        (link_form if "link" in request.POST else create_form).add_error(None, exc.message)
    if user is not None:
        next_url = request.session.pop(PENDING_KEY + "_next", "/")
        request.session.pop(IDENTITY_KEY, None)
        node_session_start(request, user, identity)
        messages.success(request, _("Your identity is confirmed by login.gov.pl."))
        return HttpResponseRedirect(next_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "nodelogin/welcome.html",
        {"identity": identity, "link_form": link_form, "create_form": create_form},
        status=status,
    )


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The platform's SP metadata (entity ID, endpoints, signing and encryption certificate)."""
    _enabled()
    return HttpResponse(saml.sp_metadata_xml(), content_type="application/samlmetadata+xml")


@csrf_exempt
@require_POST
def single_logout(request: HttpRequest) -> HttpResponse:
    """SOAP endpoint: the node ends sessions opened through it."""
    _enabled()
    try:
        answer = slo.node_logout_request_receive(request.body)
    except NodeLoginRefused as exc:
        logger.warning("Logout request from the node refused: %s", exc.reason)
        return HttpResponse(status=400)
    return HttpResponse(answer, content_type="text/xml; charset=utf-8")


def logout_at_node(request: HttpRequest) -> slo.FrontChannelMessage | None:
    """Called when a node session logs out here, before the local logout: single logout at the
    node over SOAP (None), or the LogoutRequest the browser is to carry there
    (``NODELOGIN_SLO_BINDING=post``; hand it to :func:`to_node_logout` after the local logout).
    """
    data = request.session.get(NODE_SESSION_KEY)
    if not (data and request.user.is_authenticated):
        return None
    if conf.slo_binding() == "post":
        try:
            return slo.node_logout_front_start(
                name_id=data["name_id"], session_index=data["session_index"], user=request.user
            )
        except NodeUnavailable:
            logger.warning("The node offers no front-channel logout; using SOAP.")
    slo.node_logout(name_id=data["name_id"], session_index=data["session_index"], user=request.user)
    return None


def _post_to_node(request: HttpRequest, message: slo.FrontChannelMessage) -> HttpResponse:
    response = render(request, "nodelogin/slo_post.html", {"message": message})
    node = urlsplit(message.destination)
    response._csp_update = {"form-action": [f"{node.scheme}://{node.netloc}"]}
    return response


def to_node_logout(request: HttpRequest, message: slo.FrontChannelMessage) -> HttpResponse:
    """After the local logout: remember which request the node's answer must answer, and send
    the browser to the node with it."""
    request.session[LOGOUT_KEY] = message.request_id
    return _post_to_node(request, message)


@csrf_exempt  # the node's auto-posted form: checked by its signature, not a CSRF token
@require_POST
def single_logout_front(request: HttpRequest) -> HttpResponse:
    """Front channel (HTTP-POST): the node's LogoutRequest, or its answer to ours."""
    _enabled()
    try:
        result = slo.node_logout_front_receive(
            saml_request=request.POST.get("SAMLRequest", ""),
            saml_response=request.POST.get("SAMLResponse", ""),
            relay_state=request.POST.get("RelayState", ""),
            expected_response_to=request.session.pop(LOGOUT_KEY, ""),
        )
    except (NodeLoginRefused, NodeUnavailable) as exc:
        logger.warning("Front-channel logout refused: %s", getattr(exc, "reason", exc.code))
        return render(request, "nodelogin/refused.html", {"message": exc.message}, status=400)
    if request.session.session_key in result.ended:
        logout(request)
    if result.reply is not None:
        return _post_to_node(request, result.reply)
    if result.confirmed:
        messages.success(request, _("You are logged out of login.gov.pl too."))
    else:
        messages.warning(request, _("login.gov.pl did not confirm the logout: close the browser."))
    return redirect(settings.LOGOUT_REDIRECT_URL)
