from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from .health import healthz, healthz_details
from .monitoring.views import metrics

admin.site.site_header = "SEKAP"
admin.site.site_title = "SEKAP"

# The API first, under one prefix: an API request is matched against the API's routes only
# (~25, the submissions' first) instead of every page's before it; a page's request passes the
# whole API with one failed prefix.
api_v1 = [
    path("", include("documents.api_urls")),
    path("", include("offices.api_urls")),
    path("", include("forms_platform.api_urls")),
    path("", include("signatures.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("healthz", healthz, name="healthz"),
    path("healthz/details", healthz_details, name="healthz-details"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("konto/", include("sekap.accounts.urls")),
    path("konto/login-gov-pl/", include("sekap.nodelogin.urls")),
    # The local fake of login.gov.pl (404 unless NODELOGIN_FAKE is on).
    path("login-gov-pl-test/", include("sekap.nodelogin.fake.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Our templates: no inline script or style (CSP); the Swagger init script is a separate URL.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api_docs/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api_docs/redoc.html"),
        name="api-redoc",
    ),
    path("", include("offices.urls")),
    path("", include("forms_platform.urls")),
    path("", include("signatures.urls")),
    path("", include("certauth.urls")),
    path("", include("payments.urls")),
    path("", include("documents.urls")),
    path("", include("portal.urls")),
    path("", include("portal.helpdesk.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
