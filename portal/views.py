from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from offices.models import Office


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"office_count": Office.objects.count()})


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")
