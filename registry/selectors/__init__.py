"""The registry's reads, by topic; writes live in registry/services/.

``hot_path`` (the per-request SQL rows of pulls and pushes), ``repositories`` (lookups, listings,
stars, the catalog), ``roles`` (effective roles and grants), ``manifests``, ``tags``, ``labels``,
``blobs``, ``uploads``, ``tokens`` (signing keys, what a token's subject is checked against),
``gc`` (the runs' reports) and ``pages`` (what the web pages show beyond the API)."""
