"""Vulnerability scanning (Quay's security scanner): each pushed image is indexed for what it
has installed, matched against vulnerability data, and reported through the API, the web UI and
``vulnerability_found`` notifications. Two scanners behind one interface: Clair v4, or the
built-in indexer and matcher over imported OSV data for sites that cannot run Clair.

An app of its own because none of the design's apps is its home: the core (``registry``) must
stay free of feature work and imports no feature; quota, pruning, mirroring and builds each own
another concern; ``notifications`` only delivers events. It sits in the feature layer: it plugs
into the core through ``registry.hooks.after_push`` (a pushed manifest is queued in the push's
transaction) and the web UI's panel hook, and offers ``secscan.hooks.after_vulnerability_found``,
which notifications listens to. The core imports nothing from here.
"""

from django.apps import AppConfig


class SecscanConfig(AppConfig):
    name = "secscan"
    verbose_name = "Security scanning"

    def ready(self) -> None:
        from secscan.queue import queue_hooks_register
        from secscan.web.views import panels_register

        queue_hooks_register()
        panels_register()
