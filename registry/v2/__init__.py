"""The OCI distribution HTTP layer under /v2/: routing and the scope check (routing), one module
per resource (blobs, uploads, manifests, tags and referrers, catalog), the /v2/auth token
endpoint (auth) with the scopes it grants (scopes) and the tokens it signs (tokens,
token_recheck), and the HTTP plumbing they share (http, pagination). Handlers parse, check,
call a registry service and render; what they decide lives in registry/services/."""
