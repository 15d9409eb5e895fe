from django.urls import include, path

from registry import health

urlpatterns = [
    path("", include("registry.v2.urls")),
    path("health/instance", health.instance),
    path("health/endtoend", health.endtoend),
]
