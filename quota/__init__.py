"""Quota management: exact storage sizes per repository, namespace and registry, and the limits
(Warning, Reject) a namespace's pushes are held to.

The registry core imports nothing from here; this app plugs into the push, delete and garbage
collection paths through ``registry.hooks`` in ``QuotaConfig.ready()``.
"""
