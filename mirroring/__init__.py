"""Repository mirroring: keep a local repository in step with one on another registry, by tag
rules, on a schedule and on demand.

The configuration (``models.RepositoryMirror``) lives beside the repository; setting it puts
the repository in MIRROR state through ``registry.services.repository_states``, so only the
mirror robot pushes. The workers (``worker``) claim due mirrors from the database and run the
sync engine (``sync.mirror_sync``) outside any transaction. The registry core imports nothing
from here; this app audits through ``orgs``.
"""
