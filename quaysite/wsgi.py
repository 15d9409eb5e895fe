"""The WSGI application: what `make run` serves (granian), fastest for the registry's paths."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quaysite.settings")
application = get_wsgi_application()
