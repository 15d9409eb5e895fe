from django.urls import path

from builds.api import uploads

# Outside /api/v1/: these are no REST resources, and each authenticates by what its URL or
# bearer token carries (a filedrop's signature, a build's agent token), not a session.
urlpatterns = [
    path("filedrop/<str:file_id>", uploads.filedrop_upload, name="filedrop-upload"),
    path("build-agent/<str:build_uuid>/", uploads.agent_report, name="build-agent-report"),
    path("build-agent/<str:build_uuid>/context", uploads.agent_context, name="build-agent-context"),
]
