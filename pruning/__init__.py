"""Auto-pruning: namespace and repository policies ("keep the newest N tags", "delete tags older
than two weeks") and the worker that enforces them, any number of replicas at once.

The registry core imports nothing from here. This app reads the core's rows and deletes tags
through ``registry.services.tags``, so a pruned tag enters the time machine, marks its repository
for garbage collection and runs the delete hooks like any other; it audits through ``orgs``.
"""
