"""The WSGI application: what `make run` serves (granian), fastest for the registry's paths."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if settings.JOBS_IN_PROCESS:
    # Embedded default: no Redis, so this server process also runs the background jobs.
    from quaysite.jobs import in_process_worker_start

    in_process_worker_start()
