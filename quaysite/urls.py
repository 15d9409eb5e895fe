from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from quaysite import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("registry.urls")),
    path("admin/", admin.site.urls),
    # The admin's and the UI's few assets, collected by `make run`; no separate web server needed.
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
]
