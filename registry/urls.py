from django.urls import include, path

from registry import health
from registry.observability.views import MetricsView

urlpatterns = [
    path("", include("registry.v2.urls")),
    path("health/instance", health.instance),
    path("health/endtoend", health.endtoend),
    path("metrics", MetricsView.as_view(), name="metrics"),
]
