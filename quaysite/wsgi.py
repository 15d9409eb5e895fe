"""The WSGI application: what `make run` serves with gunicorn's threaded workers.

bench/ measured the servers on the registry's own paths: gunicorn reads podman's chunked layer
uploads (32 KiB frames) about twice as fast as granian and costs only a fraction of a
millisecond more per manifest GET; blobs go out in 4 MiB reads (--no-sendfile), which measured
faster here than its sendfile().
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if settings.JOBS_IN_PROCESS:
    # Embedded default: no Redis, so this server process also runs the background jobs.
    from quaysite.jobs import in_process_worker_start

    in_process_worker_start()
elif settings.PERIODIC_JOBS_IN_SERVER:
    # rq workers run the jobs; the servers enqueue the periodic ones (GC every
    # GARBAGE_COLLECTION_FREQUENCY seconds) once per period between them, so no cron is needed.
    from quaysite.jobs import periodic_scheduler_start

    periodic_scheduler_start()
