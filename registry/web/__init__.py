"""The web UI's registry pages: repositories, tags, manifests, tag history and settings."""
