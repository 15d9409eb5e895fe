from django.contrib import admin
from django.urls import include, path

from quaysite import views

urlpatterns = [
    path("", views.index, name="index"),
    path("", include("registry.urls")),
    path("admin/", admin.site.urls),
]
