"""Home, accessibility statement and helpers shared by the portal's views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from offices.models import Office, Service


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "office_count": Office.objects.count(),
        "service_count": Service.objects.filter(is_active=True).count(),
    }
    return render(request, "portal/home.html", context)


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default
